// Lengths as the server counts them (JSON Schema maxLength counts code points, not UTF-16 units),
// so an emoji is one character here too.
export function textLength(text: string): number {
  let n = 0;
  for (const _ of text) n++;
  return n;
}

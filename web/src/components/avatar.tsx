/** A coloured initial; the hue comes from the name, so each person keeps their colour. */
export function Avatar({ name, size = 'md' }: { name: string; size?: 'xs' | 'sm' | 'md' | 'lg' }) {
  let hash = 0;
  for (const ch of name) hash = (hash * 31 + ch.codePointAt(0)!) >>> 0;
  const initial = [...name][0]?.toUpperCase() ?? '?';
  return (
    <span class={`avatar avatar--${size}`} style={{ '--hue': String(hash % 360) }} aria-hidden="true">
      {initial}
    </span>
  );
}

// Hashtags in text (captions, and comments): `#` followed by a run of Unicode letters, combining
// marks, decimal digits and underscores. Shared by the server and the browser (no server imports).
//
// A tag is stored in Unicode NFC and lower case, 1 to 50 characters (code points) after that.
// `#a#b` holds two tags (as on Instagram, people write tags without spaces); a run longer than 50
// characters is not a tag at all (never cut into a different one). At most 20 distinct tags per text,
// the first ones in reading order.

export const TAG_LIMITS = {
  /** Characters (code points) of one tag, after normalization. */
  maxLength: 50,
  /** Distinct tags kept per text. */
  maxPerText: 20,
} as const;

/** One tag character: a letter, a combining mark (Indic scripts, decomposed accents), a decimal digit or `_`. */
const TAG_CHAR = String.raw`[\p{L}\p{M}\p{Nd}_]`;

/** A whole tag, as a route parameter or stream argument (before normalization); for JSON Schema too. */
export const TAG_PATTERN = `^${TAG_CHAR}{1,${TAG_LIMITS.maxLength}}$`;
const WHOLE_TAG = new RegExp(TAG_PATTERN, 'u');

/**
 * Linear: each `#` starts at most one attempt, and a run of tag characters is consumed once (the
 * class excludes `#`, so runs never overlap and nothing backtracks into them).
 */
const TAG_IN_TEXT = /#([\p{L}\p{M}\p{Nd}_]+)/gu;

/**
 * A tag as stored (NFC, lower case), or null when `raw` is not one: empty, over 50 characters, or
 * holding anything but tag characters. A leading `#` is allowed (`#Sunset` and `sunset` are the same).
 */
export function normalizeTag(raw: string): string | null {
  const bare = raw.startsWith('#') ? raw.slice(1) : raw;
  // Lower-casing can decompose (İ becomes i + a combining dot), so NFC comes after it as well.
  const tag = bare.normalize('NFC').toLowerCase().normalize('NFC');
  if (codePoints(tag) > TAG_LIMITS.maxLength || !WHOLE_TAG.test(tag)) return null;
  return tag;
}

/** The distinct tags of a text, normalized, in reading order, at most 20. */
export function parseTags(text: string): string[] {
  const found = new Set<string>();
  for (const m of text.normalize('NFC').matchAll(TAG_IN_TEXT)) {
    const tag = normalizeTag(m[1]!);
    if (tag === null) continue;
    found.add(tag);
    if (found.size === TAG_LIMITS.maxPerText) break;
  }
  return [...found];
}

function codePoints(s: string): number {
  let n = 0;
  for (const _ of s) n++;
  return n;
}

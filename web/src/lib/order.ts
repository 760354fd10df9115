// Ordering helpers for lists the server pages by id and stamps with ISO times.

/** Ids are decimal strings of any length; a longer one is the bigger number. */
export function compareIds(a: string, b: string): number {
  return a.length !== b.length ? a.length - b.length : a < b ? -1 : a > b ? 1 : 0;
}

/** Milliseconds of an ISO time; 0 for a bad one, so it sorts last rather than throwing. */
export function isoTime(iso: string): number {
  const t = Date.parse(iso);
  return Number.isNaN(t) ? 0 : t;
}

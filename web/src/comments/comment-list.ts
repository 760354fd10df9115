// Pure helpers for a thread: comments come from pages, live events and the poster's own replies,
// and may repeat; the id decides, so each shows once, oldest first.
import type { Comment } from '../../../src/shared/api.js';
import { sanitizeText } from '../../../src/shared/text.js';
import { compareIds } from '../lib/order.js';

/** Union by id, oldest first; a later copy replaces an earlier one (a newer display name). */
export function mergeComments(...lists: readonly (readonly Comment[])[]): Comment[] {
  const byId = new Map<string, Comment>();
  for (const list of lists) for (const c of list) byId.set(c.id, c);
  return [...byId.values()].sort((a, b) => compareIds(a.id, b.id));
}

export function withoutComment(list: readonly Comment[], id: string): Comment[] {
  return list.filter((c) => c.id !== id);
}

/** The text as the server will store it, to recognize one's own comment arriving live before its 201. */
export function storedText(typed: string): string {
  return sanitizeText(typed);
}

/** Characters as the server counts them (code points, after sanitizing). */
export function commentLength(typed: string): number {
  let n = 0;
  for (const _ of storedText(typed)) n++;
  return n;
}

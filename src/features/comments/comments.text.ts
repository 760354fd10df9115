// What a comment's text becomes before it is stored (sanitized like chat), and the @mentions in a
// comment or a caption.
import { LIMITS } from '../../shared/api.js';
import { sanitizeText } from '../../shared/text.js';

export type ParsedComment = { ok: true; text: string } | { ok: false; message: string };

export function parseCommentText(raw: unknown): ParsedComment {
  if (typeof raw !== 'string') return { ok: false, message: '`text` must be a string.' };
  const text = sanitizeText(raw);
  if (text.length === 0) return { ok: false, message: 'Comments cannot be empty.' };
  if ([...text].length > LIMITS.commentTextMax) return { ok: false, message: `Comments are at most ${LIMITS.commentTextMax} characters.` };
  return { ok: true, text };
}

/** At most this many users are notified per text; later mentions are ignored. */
export const MENTIONS_MAX = 10;

/**
 * `@name` not preceded by a word character or `@` (so `me@example.com` is no mention) and not
 * followed by one (so a name too long to be a username is none either). Each match is bounded
 * (31 characters), so the scan is linear in the text.
 */
const MENTION = /(?<![\w@])@(\w{3,30})\b/g;
const USERNAME = new RegExp(LIMITS.usernamePattern);

/** The distinct usernames a text mentions, in order, lower-cased, at most MENTIONS_MAX. */
export function parseMentions(text: string): string[] {
  const found = new Set<string>();
  for (const m of text.matchAll(MENTION)) {
    const name = m[1]!.toLowerCase();
    if (!USERNAME.test(name)) continue;
    found.add(name);
    if (found.size === MENTIONS_MAX) break;
  }
  return [...found];
}

// User text (captions, comments) cut into plain text, @mentions and #tags, by the server's own
// rules, so a link is shown exactly where the server notifies someone or files the photo under a
// tag. The rules are copied from src/features/comments/comments.text.ts (MENTION, USERNAME) and
// src/features/tags/tags.text.ts (TAG_IN_TEXT, normalizeTag): the browser may import src/shared
// only. test/small/web-rich-text.test.ts checks that both sides agree.
import { LIMITS } from '../../../src/shared/api.js';

export type RichPart =
  | { kind: 'text'; text: string }
  /** `username` is what the server notifies: the name lower-cased (`@Ann` mentions `ann`). */
  | { kind: 'mention'; text: string; username: string }
  /** `tag` as the server stores it: NFC, lower case, 1 to 50 characters. */
  | { kind: 'tag'; text: string; tag: string };

const TAG_MAX = 50;

/**
 * Either a mention (as comments.text.ts: `@` not after a word character or `@`, 3 to 30 word
 * characters, then a word boundary) or a tag (as tags.text.ts: `#` and a run of letters, marks,
 * digits and `_`). Linear: a mention attempt reads at most 31 characters, and a tag's run is read
 * once (it holds no `#` or `@`, so nothing starts inside it and nothing backtracks into it).
 * Without the `i` flag, `\w` and `\b` stay ASCII under `u`, as in the server's pattern.
 */
const TOKEN = /(?<![\w@])@(\w{3,30})\b|#([\p{L}\p{M}\p{Nd}_]+)/gu;
const USERNAME = new RegExp(LIMITS.usernamePattern);
const WHOLE_TAG = new RegExp(`^[\\p{L}\\p{M}\\p{Nd}_]{1,${TAG_MAX}}$`, 'u');

/** The parts of `text`, in order; joining their `text` gives `text` back. */
export function tokenize(text: string): RichPart[] {
  const parts: RichPart[] = [];
  let plainFrom = 0;
  const pushPlain = (end: number) => {
    if (end <= plainFrom) return;
    const last = parts.at(-1);
    const chunk = text.slice(plainFrom, end);
    // Rejected candidates join the text around them: one text part between two links.
    if (last?.kind === 'text') last.text += chunk;
    else parts.push({ kind: 'text', text: chunk });
  };
  for (const m of text.matchAll(TOKEN)) {
    const [whole, name, run] = m;
    const start = m.index;
    const part = name !== undefined ? mention(whole, name) : tag(whole, run!);
    if (!part) continue;
    pushPlain(start);
    parts.push(part);
    plainFrom = start + whole.length;
  }
  pushPlain(text.length);
  return parts;
}

function mention(whole: string, name: string): RichPart | null {
  const username = name.toLowerCase();
  return USERNAME.test(username) ? { kind: 'mention', text: whole, username } : null;
}

function tag(whole: string, run: string): RichPart | null {
  const normalized = normalizeTag(run);
  return normalized === null ? null : { kind: 'tag', text: whole, tag: normalized };
}

/** tags.text.ts's normalizeTag: NFC, lower case, NFC again (lower-casing can decompose), at most 50 code points. */
export function normalizeTag(raw: string): string | null {
  const t = raw.normalize('NFC').toLowerCase().normalize('NFC');
  let n = 0;
  for (const _ of t) if (++n > TAG_MAX) return null;
  return WHOLE_TAG.test(t) ? t : null;
}

export function tagHref(tag: string): string {
  return `/tags/${encodeURIComponent(tag)}`;
}

export function mentionHref(username: string): string {
  return `/u/${encodeURIComponent(username)}`;
}

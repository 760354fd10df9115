// What user text (chat lines, captions) becomes before it is stored: newlines normalized, control
// characters out (newlines and tabs stay), ends trimmed. It stays text: rendering is the client's
// job, never as HTML.

// C0 and C1 controls except \t and \n, plus DEL and the bidi overrides that can disguise text.
const CONTROL = /[\u0000-\u0008\u000B-\u001F\u007F-\u009F\u202A-\u202E\u2066-\u2069]/g;

/**
 * Invisible characters that hide or reorder text: zero-width space and non-joiner, the
 * left-to-right and right-to-left marks, the Arabic letter mark, the byte order mark, and the
 * zero-width joiner, except where it joins two emoji into one (👨‍👩‍👧, 🏳️‍🌈, 👩🏽‍💻), which
 * the first alternative keeps. Each match is a few code points long, so the scan stays linear.
 */
const INVISIBLE = /(\p{Extended_Pictographic}\p{Emoji_Modifier}?\uFE0F?\u200D)(?=\p{Extended_Pictographic})|[\u061C\u200B-\u200F\uFEFF]/gu;

export function sanitizeText(raw: string): string {
  return wellFormed(raw)
    .replace(/\r\n?/g, '\n')
    .replace(CONTROL, '')
    .replace(INVISIBLE, (_match, joined: string | undefined) => joined ?? '')
    .trim();
}

/**
 * Lone surrogates become U+FFFD, as UTF-8 (and so PostgreSQL) would store them: what is stored,
 * published and answered is then the same string.
 */
export function wellFormed(raw: string): string {
  // ES2024's String#toWellFormed (Node 20, every current browser); TypeScript's ES2023 lib lacks it.
  return (raw as string & { toWellFormed(): string }).toWellFormed();
}

/**
 * An idempotency key (`clientId`) that is stored exactly as sent: no NUL (PostgreSQL refuses it)
 * and no lone surrogate (two different ids would be stored as the same U+FFFD and collide).
 */
export function isStorableId(raw: unknown, max: number): raw is string {
  return typeof raw === 'string' && raw.length >= 1 && raw.length <= max && !raw.includes('\u0000') && wellFormed(raw) === raw;
}

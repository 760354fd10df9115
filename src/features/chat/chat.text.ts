// What a chat line becomes before it is stored: control characters out (newlines and tabs stay),
// `/me ` turns it into an action. It stays text: rendering is the client's job, never as HTML.
import { LIMITS, type ChatKind } from '../../shared/api.js';

// C0 and C1 controls except \t and \n, plus DEL and the bidi overrides that can disguise text.
const CONTROL = /[\u0000-\u0008\u000B-\u001F\u007F-\u009F\u202A-\u202E\u2066-\u2069]/g;

export type ParsedChat = { ok: true; text: string; kind: ChatKind } | { ok: false; message: string };

/** Newlines normalized, control and bidi-override characters removed, ends trimmed. */
export function sanitizeText(raw: string): string {
  return raw.replace(/\r\n?/g, '\n').replace(CONTROL, '').trim();
}

export function parseChatText(raw: unknown): ParsedChat {
  if (typeof raw !== 'string') return { ok: false, message: '`text` must be a string.' };
  if (raw.length > LIMITS.chatTextMax * 4) return { ok: false, message: `Messages are at most ${LIMITS.chatTextMax} characters.` };
  let text = sanitizeText(raw);
  let kind: ChatKind = 'text';
  if (/^\/me(\s|$)/.test(text)) {
    kind = 'action';
    text = text.slice(3).trim();
  }
  if (text.length === 0) return { ok: false, message: kind === 'action' ? 'Say what you do after /me.' : 'Messages cannot be empty.' };
  if ([...text].length > LIMITS.chatTextMax) return { ok: false, message: `Messages are at most ${LIMITS.chatTextMax} characters.` };
  return { ok: true, text, kind };
}

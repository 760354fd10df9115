// What a chat line becomes before it is stored: sanitized (shared/text.ts), and `/me ` turns it
// into an action.
import { LIMITS, type ChatKind } from '../../shared/api.js';
import { sanitizeText } from '../../shared/text.js';

export type ParsedChat = { ok: true; text: string; kind: ChatKind } | { ok: false; message: string };

export function parseChatText(raw: unknown): ParsedChat {
  if (typeof raw !== 'string') return { ok: false, message: '`text` must be a string.' };
  if (raw.length > LIMITS.chatTextMax * 4) return { ok: false, message: `Messages are at most ${LIMITS.chatTextMax} characters.` };
  let text = sanitizeText(raw);
  let kind: ChatKind = 'text';
  if (/^\/me(?:\s|$)/.test(text)) {
    kind = 'action';
    text = text.slice(3).trim();
  }
  if (text.length === 0) return { ok: false, message: kind === 'action' ? 'Say what you do after /me.' : 'Messages cannot be empty.' };
  if ([...text].length > LIMITS.chatTextMax) return { ok: false, message: `Messages are at most ${LIMITS.chatTextMax} characters.` };
  return { ok: true, text, kind };
}

// What user text (chat lines, captions) becomes before it is stored: newlines normalized, control
// characters out (newlines and tabs stay), ends trimmed. It stays text: rendering is the client's
// job, never as HTML.

// C0 and C1 controls except \t and \n, plus DEL and the bidi overrides that can disguise text.
const CONTROL = /[\u0000-\u0008\u000B-\u001F\u007F-\u009F\u202A-\u202E\u2066-\u2069]/g;

export function sanitizeText(raw: string): string {
  return raw.replace(/\r\n?/g, '\n').replace(CONTROL, '').trim();
}

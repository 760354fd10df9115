// The composer of a conversation, a chat room's or a private thread's: Enter sends, Shift+Enter is
// a new line, `/me` an action. `onSend` hands the text to an outbox, which owns it from then on: it
// shows "sending…" and retries with the same clientId until the server answers.
import { useEffect, useRef, useState } from 'preact/hooks';
import { LIMITS } from '../../../../src/shared/api.js';
import { enterSends, useAutoGrow } from '../../lib/composer-input.js';

const MAX_HEIGHT_PX = 200;

export interface MessageComposerProps {
  onSend(text: string): void;
  /** The placeholder and the accessible name, e.g. "Message #lobby". */
  label: string;
  /** Why sending is not possible now, shown in place of the placeholder; null when it is. */
  disabled?: string | null;
  /** Focus moves to the input again when this changes (another conversation opened). */
  focusKey?: string;
  testIds?: { input?: string; send?: string };
}

export function MessageComposer({ onSend, label, disabled = null, focusKey, testIds = {} }: MessageComposerProps) {
  const [text, setText] = useState('');
  const input = useRef<HTMLTextAreaElement>(null);
  const remaining = LIMITS.chatTextMax - text.length;
  const canSend = !disabled && text.trim() !== '' && remaining >= 0;

  // Ready to type on arrival, but not on touch screens, where focus would pop the keyboard up.
  useEffect(() => {
    if (window.matchMedia('(pointer: fine)').matches) input.current?.focus();
  }, [focusKey]);

  useAutoGrow(input, text, MAX_HEIGHT_PX);

  const send = () => {
    if (!canSend) return;
    onSend(text.trim());
    setText('');
  };

  return (
    <form
      class="composer"
      onSubmit={(e) => {
        e.preventDefault();
        send();
      }}
    >
      <textarea
        ref={input}
        class="composer__input"
        rows={1}
        value={text}
        maxLength={LIMITS.chatTextMax}
        placeholder={disabled ?? label}
        aria-label={label}
        data-testid={testIds.input}
        disabled={!!disabled}
        onInput={(e) => setText(e.currentTarget.value)}
        onKeyDown={enterSends(send)}
      />
      <div class="composer__bar">
        <span class="composer__hint">
          <kbd>Enter</kbd> to send · <kbd>Shift</kbd>+<kbd>Enter</kbd> new line · <code>/me</code> for actions
        </span>
        <span class={`composer__count${remaining < 100 ? ' composer__count--low' : ''}`} data-testid="chars-left" aria-live="polite">
          {remaining} left
        </span>
        <button type="submit" class="btn btn--small" disabled={!canSend} data-testid={testIds.send}>
          Send
        </button>
      </div>
    </form>
  );
}

import { useEffect, useLayoutEffect, useRef, useState } from 'preact/hooks';
import type { JSX } from 'preact';
import { LIMITS } from '../../../../src/shared/api.js';
import { sendMessage } from '../../chat/outbox.js';

const MAX_HEIGHT_PX = 200;

export function Composer({ room }: { room: string }) {
  const [text, setText] = useState('');
  const input = useRef<HTMLTextAreaElement>(null);
  const remaining = LIMITS.chatTextMax - text.length;
  const canSend = text.trim() !== '' && remaining >= 0;

  // Ready to type on arrival, but not on touch screens, where focus would pop the keyboard up.
  useEffect(() => {
    if (window.matchMedia('(pointer: fine)').matches) input.current?.focus();
  }, []);

  // Grow with the text up to a few lines, then scroll inside.
  useLayoutEffect(() => {
    const el = input.current;
    if (!el) return;
    el.style.height = 'auto';
    el.style.height = `${Math.min(el.scrollHeight, MAX_HEIGHT_PX)}px`;
  }, [text]);

  const send = () => {
    if (!canSend) return;
    // The outbox owns it from here: it shows "sending…" and retries until the server answers.
    sendMessage(room, text.trim());
    setText('');
  };

  const onKeyDown = (e: JSX.TargetedKeyboardEvent<HTMLTextAreaElement>) => {
    // isComposing: Enter also confirms an IME candidate, which must not send.
    if (e.key === 'Enter' && !e.shiftKey && !e.isComposing) {
      e.preventDefault();
      send();
    }
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
        placeholder={`Message #${room}`}
        aria-label={`Message #${room}`}
        data-testid="composer"
        onInput={(e) => setText(e.currentTarget.value)}
        onKeyDown={onKeyDown}
      />
      <div class="composer__bar">
        <span class="composer__hint">
          <kbd>Enter</kbd> to send · <kbd>Shift</kbd>+<kbd>Enter</kbd> new line · <code>/me</code> for actions
        </span>
        <span
          class={`composer__count${remaining < 100 ? ' composer__count--low' : ''}`}
          data-testid="chars-left"
          aria-live="polite"
        >
          {remaining} left
        </span>
        <button type="submit" class="btn btn--small" disabled={!canSend}>
          Send
        </button>
      </div>
    </form>
  );
}

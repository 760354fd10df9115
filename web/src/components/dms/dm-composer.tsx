// The thread's composer, like the chat's: Enter sends, Shift+Enter is a new line, `/me` an action.
// The outbox owns a message from Send on: it shows "sending…" and retries with the same clientId.
import type { JSX } from 'preact';
import { useEffect, useLayoutEffect, useRef, useState } from 'preact/hooks';
import { LIMITS } from '../../../../src/shared/api.js';
import { sendDm } from '../../dms/dm-outbox.js';

const MAX_HEIGHT_PX = 200;

export function DmComposer({ conversationId, to, disabled }: { conversationId: string; to: string; disabled: string | null }) {
  const [text, setText] = useState('');
  const input = useRef<HTMLTextAreaElement>(null);
  const remaining = LIMITS.chatTextMax - text.length;
  const canSend = !disabled && text.trim() !== '' && remaining >= 0;

  useEffect(() => {
    if (window.matchMedia('(pointer: fine)').matches) input.current?.focus();
  }, [conversationId]);

  useLayoutEffect(() => {
    const el = input.current;
    if (!el) return;
    el.style.height = 'auto';
    el.style.height = `${Math.min(el.scrollHeight, MAX_HEIGHT_PX)}px`;
  }, [text]);

  const send = () => {
    if (!canSend) return;
    sendDm(conversationId, text.trim());
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
        placeholder={disabled ?? `Message ${to}`}
        aria-label={`Message ${to}`}
        data-testid="dm-composer"
        disabled={!!disabled}
        onInput={(e) => setText(e.currentTarget.value)}
        onKeyDown={onKeyDown}
      />
      <div class="composer__bar">
        <span class="composer__hint">
          <kbd>Enter</kbd> to send · <kbd>Shift</kbd>+<kbd>Enter</kbd> new line · <code>/me</code> for actions
        </span>
        <span class={`composer__count${remaining < 100 ? ' composer__count--low' : ''}`} aria-live="polite">
          {remaining} left
        </span>
        <button type="submit" class="btn btn--small" disabled={!canSend} data-testid="dm-send">
          Send
        </button>
      </div>
    </form>
  );
}

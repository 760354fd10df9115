// The scrolling of a conversation, a chat room's or a private thread's: it sticks to the bottom for
// new messages unless the reader scrolled up (then "New messages ↓" is offered), follows the
// reader's own sends, and keeps the reader's place when older messages are added above.
import { useLayoutEffect, useRef, useState } from 'preact/hooks';

const NEAR_BOTTOM_PX = 80;

/**
 * `first` and `last` identify the first and last items shown (empty when none); `lastIsMine` says
 * whether the last one is the reader's own. Runs after every render.
 */
export function useStickToBottom(first: string, last: string, lastIsMine: boolean) {
  const scroller = useRef<HTMLDivElement>(null);
  const atBottom = useRef(true);
  const seen = useRef({ first: '', last: '', height: 0 });
  const [unseen, setUnseen] = useState(false);

  useLayoutEffect(() => {
    const el = scroller.current;
    if (!el) return;
    const before = seen.current;
    if (last !== before.last) {
      if (!before.last || atBottom.current || lastIsMine) el.scrollTop = el.scrollHeight;
      else setUnseen(true);
    } else if (first !== before.first && before.height) {
      el.scrollTop += el.scrollHeight - before.height;
    }
    seen.current = { first, last, height: el.scrollHeight };
  });

  const onScroll = () => {
    const el = scroller.current;
    if (!el) return;
    atBottom.current = el.scrollHeight - el.scrollTop - el.clientHeight < NEAR_BOTTOM_PX;
    if (atBottom.current) setUnseen(false);
    seen.current.height = el.scrollHeight;
  };

  const toBottom = () => {
    if (scroller.current) scroller.current.scrollTop = scroller.current.scrollHeight;
  };

  return { scroller, onScroll, unseen, toBottom };
}

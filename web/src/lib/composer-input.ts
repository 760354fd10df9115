// What every composer's textarea does (chat rooms, private threads, comments): it grows with the
// text up to a few lines and then scrolls inside, and Enter sends while Shift+Enter is a new line.
import type { JSX, RefObject } from 'preact';
import { useLayoutEffect } from 'preact/hooks';

export function useAutoGrow(input: RefObject<HTMLTextAreaElement>, text: string, maxHeightPx: number): void {
  useLayoutEffect(() => {
    const el = input.current;
    if (!el) return;
    el.style.height = 'auto';
    el.style.height = `${Math.min(el.scrollHeight, maxHeightPx)}px`;
  }, [text]);
}

/** A keydown handler: Enter runs `send`; Shift+Enter and Enter confirming an IME candidate do not. */
export function enterSends(send: () => void): (e: JSX.TargetedKeyboardEvent<HTMLTextAreaElement>) => void {
  return (e) => {
    if (e.key === 'Enter' && !e.shiftKey && !e.isComposing) {
      e.preventDefault();
      send();
    }
  };
}

// A modal <dialog>: the browser traps focus, closes on Escape and restores focus for us.
// Mounted means open; the owner unmounts it on onClose.
import type { ComponentChildren, JSX } from 'preact';
import { useLayoutEffect, useRef } from 'preact/hooks';

interface Props {
  label: string;
  onClose(): void;
  class?: string;
  children: ComponentChildren;
  testId?: string;
}

export function Modal({ label, onClose, class: cls, children, testId }: Props) {
  const ref = useRef<HTMLDialogElement>(null);
  useLayoutEffect(() => {
    const dialog = ref.current;
    if (dialog && !dialog.open) dialog.showModal();
    // While a modal is up the page behind must not scroll (iOS scrolls it through the backdrop).
    document.documentElement.classList.add('has-modal');
    return () => document.documentElement.classList.remove('has-modal');
  }, []);

  const onCancel = (e: Event) => {
    // Escape: we close by unmounting, so the dialog stays in step with the owner's state.
    e.preventDefault();
    onClose();
  };
  // A click on the dialog element itself (not its content) is a click on the backdrop.
  const onClick = (e: JSX.TargetedMouseEvent<HTMLDialogElement>) => {
    if (e.target === e.currentTarget) onClose();
  };

  return (
    <dialog ref={ref} class={`modal ${cls ?? ''}`} aria-label={label} onCancel={onCancel} onClick={onClick} data-testid={testId}>
      <div class="modal__body">{children}</div>
    </dialog>
  );
}

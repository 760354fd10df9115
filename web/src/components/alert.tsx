import type { ComponentChildren } from 'preact';

/** Errors the user must see; role="alert" makes screen readers announce them too. */
export function Alert({ children, onRetry }: { children: ComponentChildren; onRetry?: () => void }) {
  return (
    <div class="alert" role="alert">
      <span class="alert__text">{children}</span>
      {onRetry && (
        <button type="button" class="btn btn--small btn--ghost" onClick={onRetry}>
          Retry
        </button>
      )}
    </div>
  );
}

/** Why the action next to it failed (a like, a follow, a delete); nothing while there is no failure. */
export function InlineError({ message }: { message: string | null }) {
  if (!message) return null;
  return (
    <span class="like__error" role="alert">
      {message}
    </span>
  );
}

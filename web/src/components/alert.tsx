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

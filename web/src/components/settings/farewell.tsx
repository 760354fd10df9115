// The notice a deleted account leaves on the way out. The settings page is gone by the time it
// shows (the visitor is on / and signed out), so it renders in its own small root on <body>, and
// goes when dismissed or when the visitor moves on to another page.
import { render } from 'preact';
import { location } from '../../lib/router.js';

export function showFarewell(message: string): void {
  const host = document.createElement('div');
  document.body.append(host);
  const shownOn = location.get().path;
  let stopFollowing = () => {};
  const close = () => {
    stopFollowing();
    render(null, host);
    host.remove();
  };
  // Some screen readers announce a live region only when its text changes after it was inserted.
  render(<Farewell message="" onClose={close} />, host);
  setTimeout(() => {
    if (!host.isConnected) return;
    render(<Farewell message={message} onClose={close} />, host);
    stopFollowing = location.subscribe((l) => l.path !== shownOn && close());
  }, 50);
}

function Farewell({ message, onClose }: { message: string; onClose(): void }) {
  return (
    <div class={`farewell${message ? '' : ' farewell--pending'}`} role="status" data-testid="farewell">
      <span class="farewell__text">{message}</span>
      {message && (
        <button type="button" class="btn btn--small btn--ghost" onClick={onClose} aria-label="Dismiss">
          ✕
        </button>
      )}
    </div>
  );
}

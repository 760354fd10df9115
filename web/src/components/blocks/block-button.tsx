// Block / Unblock on a profile, each behind a confirmation that says what it does. A block takes the
// other person's items off this tab's screens at once (hidden-users.ts); the server tells the rest.
import { useEffect, useRef, useState } from 'preact/hooks';
import type { PublicUser } from '../../../../src/shared/api.js';
import { setBlocking } from '../../blocks/blocks-api.js';
import { hideUser, showUser } from '../../lib/hidden-users.js';
import { useAction } from '../../lib/use-action.js';
import { InlineError } from '../alert.js';

interface Props {
  user: PublicUser;
  viewer: PublicUser;
  /** Does the viewer block them now (the profile's `blocking`). */
  blocking?: boolean;
}

export function BlockButton({ user, viewer, blocking: given = false }: Props) {
  const [blocking, setBlockingState] = useState(given);
  const [confirming, setConfirming] = useState(false);
  const { busy, error, run } = useAction();
  const confirmButton = useRef<HTMLButtonElement>(null);
  useEffect(() => setBlockingState(given), [given]);
  useEffect(() => {
    if (confirming) confirmButton.current?.focus();
  }, [confirming]);

  if (user.id === viewer.id) return null;
  const name = `@${user.username}`;
  const go = () =>
    void run(async () => {
      const next = !blocking;
      const result = await setBlocking(user.username, next);
      setBlockingState(result.blocking);
      setConfirming(false);
      if (result.blocking) hideUser(user.id);
      // They may still block the viewer: then `block.changed` keeps them hidden.
      else showUser(user.id);
    });

  if (!confirming) {
    return (
      <button
        type="button"
        class={`btn btn--small btn--ghost${blocking ? '' : ' btn--danger'}`}
        onClick={() => setConfirming(true)}
        data-testid="block-button"
        data-blocking={blocking}
      >
        {blocking ? 'Unblock' : 'Block'}
      </button>
    );
  }
  return (
    <div class="confirm block-confirm" role="group" aria-label={blocking ? `Confirm unblocking ${name}` : `Confirm blocking ${name}`} data-testid="block-confirm">
      <span>
        {blocking
          ? `Unblock ${name}? You will see each other’s photos, comments and messages again, and either of you can follow the other.`
          : `Block ${name}? Neither of you will see the other’s photos, comments, chat messages or presence, follows between you end, and neither can follow, like or comment on the other’s photos.`}
      </span>
      <div class="confirm__buttons">
        <button
          ref={confirmButton}
          type="button"
          class={`btn btn--small${blocking ? '' : ' btn--danger-solid'}`}
          onClick={go}
          disabled={busy}
          data-testid="block-confirm-button"
        >
          {busy ? (blocking ? 'Unblocking…' : 'Blocking…') : blocking ? 'Unblock' : `Block ${name}`}
        </button>
        <button type="button" class="btn btn--small btn--ghost" onClick={() => setConfirming(false)} disabled={busy}>
          Cancel
        </button>
      </div>
      <InlineError message={error} />
    </div>
  );
}

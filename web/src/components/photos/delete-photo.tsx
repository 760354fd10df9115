// Delete with an in-page confirmation step (no window.confirm: it blocks the page and
// cannot be styled or announced).
import { useState } from 'preact/hooks';
import { useRemovePhoto } from '../../photos/use-remove-photo.js';
import { InlineError } from '../alert.js';

export function DeletePhoto({ id, onDeleted }: { id: string; onDeleted(id: string): void }) {
  const [confirming, setConfirming] = useState(false);
  const { busy, error, remove } = useRemovePhoto(id, onDeleted);

  if (!confirming) {
    return (
      <button type="button" class="btn btn--small btn--ghost btn--danger" onClick={() => setConfirming(true)} data-testid="delete-photo">
        Delete
      </button>
    );
  }
  return (
    <div class="confirm" role="group" aria-label="Confirm deletion">
      <span>Delete this photo for everyone?</span>
      <div class="confirm__buttons">
        <button type="button" class="btn btn--small btn--danger-solid" onClick={remove} disabled={busy} data-testid="confirm-delete">
          {busy ? 'Deleting…' : 'Delete'}
        </button>
        <button type="button" class="btn btn--small btn--ghost" onClick={() => setConfirming(false)} disabled={busy}>
          Cancel
        </button>
      </div>
      <InlineError message={error} />
    </div>
  );
}

// Delete with an in-page confirmation step (no window.confirm: it blocks the page and
// cannot be styled or announced).
import { useState } from 'preact/hooks';
import { errorMessage } from '../../lib/api.js';
import { forgetPhoto } from '../../photos/own-photos.js';
import { deletePhoto } from '../../photos/photos-api.js';

export function DeletePhoto({ id, onDeleted }: { id: string; onDeleted(id: string): void }) {
  const [confirming, setConfirming] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);

  const remove = async () => {
    setBusy(true);
    setError(null);
    try {
      await deletePhoto(id);
      forgetPhoto(id);
      onDeleted(id);
    } catch (err) {
      setError(errorMessage(err));
      setBusy(false);
    }
  };

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
        <button type="button" class="btn btn--small btn--danger-solid" onClick={() => void remove()} disabled={busy} data-testid="confirm-delete">
          {busy ? 'Deleting…' : 'Delete'}
        </button>
        <button type="button" class="btn btn--small btn--ghost" onClick={() => setConfirming(false)} disabled={busy}>
          Cancel
        </button>
      </div>
      {error && (
        <span class="like__error" role="alert">
          {error}
        </span>
      )}
    </div>
  );
}

import { useState } from 'preact/hooks';
import { errorMessage } from '../../lib/api.js';
import { deletePhoto } from '../../photos/photos-api.js';
import { forgetPhoto } from '../../photos/own-photos.js';

/** A failed upload stays on the owner's walls until they remove it. */
export function RemoveFailed({ id, onRemoved }: { id: string; onRemoved(id: string): void }) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const remove = async () => {
    setBusy(true);
    setError(null);
    try {
      await deletePhoto(id);
      forgetPhoto(id);
      onRemoved(id);
    } catch (err) {
      setError(errorMessage(err));
      setBusy(false);
    }
  };
  return (
    <>
      <button type="button" class="btn btn--small btn--ghost" onClick={() => void remove()} disabled={busy}>
        {busy ? 'Removing…' : 'Remove'}
      </button>
      {error && <span class="photo-card__reason">{error}</span>}
    </>
  );
}

import { useRemovePhoto } from '../../photos/use-remove-photo.js';

/** A failed upload stays on the owner's walls until they remove it. */
export function RemoveFailed({ id, onRemoved }: { id: string; onRemoved(id: string): void }) {
  const { busy, error, remove } = useRemovePhoto(id, onRemoved);
  return (
    <>
      <button type="button" class="btn btn--small btn--ghost" onClick={remove} disabled={busy}>
        {busy ? 'Removing…' : 'Remove'}
      </button>
      {error && <span class="photo-card__reason">{error}</span>}
    </>
  );
}

// Deleting a photo from one of its buttons (the lightbox's Delete, a failed card's Remove).
import { useAction, type Action } from '../lib/use-action.js';
import { forgetPhoto } from './own-photos.js';
import { deletePhoto } from './photos-api.js';

export interface RemovePhoto extends Pick<Action, 'busy' | 'error'> {
  remove(): void;
}

export function useRemovePhoto(id: string, onRemoved: (id: string) => void): RemovePhoto {
  // The button goes with the photo: it stays busy until then.
  const { busy, error, run } = useAction({ busyAfterSuccess: true });
  const remove = () =>
    void run(async () => {
      await deletePhoto(id);
      // Marked gone, so that no wall shows it again (see own-photos).
      forgetPhoto(id);
      onRemoved(id);
    });
  return { busy, error, remove };
}

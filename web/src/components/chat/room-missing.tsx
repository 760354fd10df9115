import { useState } from 'preact/hooks';
import { LIMITS } from '../../../../src/shared/api.js';
import { createRoom } from '../../chat/chat-api.js';
import { errorMessage } from '../../lib/api.js';
import { Alert } from '../alert.js';
import { Link } from '../link.js';

const roomOk = new RegExp(LIMITS.roomPattern);

/** Shown instead of an empty conversation when the room does not exist; offers to create it. */
export function RoomMissing({ room, onCreated }: { room: string; onCreated(): void }) {
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const create = async () => {
    setBusy(true);
    setError(null);
    try {
      await createRoom(room);
      onCreated();
    } catch (err) {
      setError(errorMessage(err));
      setBusy(false);
    }
  };
  return (
    <div class="room-missing" data-testid="room-missing">
      <h2>There is no room called #{room}</h2>
      <p class="muted">It may have been mistyped, or it was never created.</p>
      {error && <Alert>{error}</Alert>}
      <div class="room-missing__actions">
        {roomOk.test(room) && (
          <button type="button" class="btn" onClick={create} disabled={busy}>
            Create #{room}
          </button>
        )}
        <Link href="/chat/lobby" class="btn btn--ghost">
          Go to #lobby
        </Link>
      </div>
    </div>
  );
}

import { useCallback, useEffect, useState } from 'preact/hooks';
import type { ChatRoom } from '../../../../src/shared/api.js';
import { listRooms } from '../../chat/chat-api.js';
import { errorMessage } from '../../lib/api.js';
import { Alert } from '../alert.js';
import { Link } from '../link.js';
import { NewRoomForm } from './new-room-form.js';

interface Props {
  current: string;
  /** A change reloads the list (a room was created elsewhere on the page). */
  version?: number;
  onNavigate?: () => void;
}

export function RoomList({ current, version, onNavigate }: Props) {
  const [rooms, setRooms] = useState<ChatRoom[]>([]);
  const [next, setNext] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);

  const load = useCallback(async (before?: string | null) => {
    try {
      const page = await listRooms(before);
      setRooms((old) => (before ? uniqueByName([...old, ...page.items]) : page.items));
      setNext(page.next);
      setError(null);
    } catch (err) {
      setError(errorMessage(err));
    }
  }, []);

  useEffect(() => void load(), [load, version]);

  useEffect(() => {
    // No stream announces new rooms, so refresh when the user comes back to the tab.
    const onVisible = () => document.visibilityState === 'visible' && void load();
    document.addEventListener('visibilitychange', onVisible);
    return () => document.removeEventListener('visibilitychange', onVisible);
  }, [load]);

  return (
    <div class="rooms">
      <h2 class="panel-title">Rooms</h2>
      {error && <Alert onRetry={() => void load()}>{error}</Alert>}
      <ul class="rooms__list" data-testid="room-list">
        {rooms.map((r) => (
          <li key={r.name}>
            <Link
              href={`/chat/${encodeURIComponent(r.name)}`}
              class="rooms__link"
              aria-current={r.name === current ? 'page' : undefined}
              onClick={onNavigate}
            >
              <span class="rooms__hash" aria-hidden="true">
                #
              </span>
              {r.name}
            </Link>
          </li>
        ))}
      </ul>
      {next && (
        <button type="button" class="btn btn--small btn--ghost" onClick={() => void load(next)}>
          More rooms
        </button>
      )}
      <NewRoomForm onCreated={() => void load()} />
    </div>
  );
}

function uniqueByName(rooms: ChatRoom[]): ChatRoom[] {
  return [...new Map(rooms.map((r) => [r.name, r])).values()];
}

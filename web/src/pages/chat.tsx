import { useEffect, useState } from 'preact/hooks';
import type { PublicUser } from '../../../src/shared/api.js';
import { outbox } from '../chat/outbox.js';
import { useChatRoom } from '../chat/use-chat-room.js';
import { Alert } from '../components/alert.js';
import { Composer } from '../components/chat/composer.js';
import { MessageList } from '../components/chat/message-list.js';
import { PresenceList } from '../components/chat/presence-list.js';
import { RoomMissing } from '../components/chat/room-missing.js';
import { RoomList } from '../components/chat/room-list.js';
import { useWatchProfiles } from '../lib/profiles.js';
import { useStore } from '../lib/store.js';

type Drawer = 'none' | 'rooms' | 'people';

export function ChatPage({ room, user }: { room: string; user: PublicUser }) {
  const { state, loadOlder, reload } = useChatRoom(room, user.id);
  const pending = useStore(outbox).filter((m) => m.room === room);
  // Someone in the room who edits their profile shows the change on their messages at once.
  useWatchProfiles(state.presence.filter((u) => u.id !== user.id).map((u) => u.username));
  // On narrow screens the side columns become drawers; leaving the room closes them.
  const [drawer, setDrawer] = useState<Drawer>('none');
  useEffect(() => setDrawer('none'), [room]);
  const toggle = (which: Drawer) => setDrawer((d) => (d === which ? 'none' : which));
  // Bumped when this page creates a room, so the room list shows it.
  const [roomsVersion, setRoomsVersion] = useState(0);
  const onRoomCreated = () => {
    setRoomsVersion((v) => v + 1);
    reload();
  };

  return (
    <main class="chat" data-drawer={drawer}>
      <aside class="chat__rooms" aria-label="Rooms">
        <RoomList current={room} version={roomsVersion} onNavigate={() => setDrawer('none')} />
      </aside>
      <section class="chat__main" aria-label={`Room ${room}`}>
        <header class="chat__header">
          <button type="button" class="chat__toggle chat__toggle--rooms btn btn--small btn--ghost" onClick={() => toggle('rooms')} aria-expanded={drawer === 'rooms'}>
            Rooms
          </button>
          <h1 class="chat__title">
            <span class="chat__hash" aria-hidden="true">
              #
            </span>
            <span data-testid="room-name">{room}</span>
          </h1>
          <button type="button" class="chat__toggle chat__toggle--people btn btn--small btn--ghost" onClick={() => toggle('people')} aria-expanded={drawer === 'people'}>
            People <span class="count">{state.presence.length}</span>
          </button>
        </header>
        {state.missing ? (
          <RoomMissing room={room} onCreated={onRoomCreated} />
        ) : (
          <>
            {state.error && <Alert onRetry={reload}>{state.error}</Alert>}
            <MessageList
              messages={state.messages}
              notices={state.notices}
              pending={pending}
              hasOlder={state.next !== null}
              loadingOlder={state.loadingOlder}
              loaded={state.loaded}
              onLoadOlder={loadOlder}
              self={user}
            />
            <Composer room={room} />
          </>
        )}
      </section>
      <aside class="chat__people" aria-label="People in this room">
        <PresenceList users={state.presence} selfId={user.id} />
      </aside>
      {drawer !== 'none' && <button type="button" class="chat__scrim" aria-label="Close panel" onClick={() => setDrawer('none')} />}
    </main>
  );
}

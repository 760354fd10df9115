import { useEffect, useMemo, useState } from 'preact/hooks';
import { useStore } from '../lib/store.js';
import { RoomModel, type RoomState } from './room-model.js';

export interface ChatRoomView {
  state: RoomState;
  loadOlder(): void;
  /** Starts over: a fresh subscription and a fresh fetch (after an error, or once the room exists). */
  reload(): void;
}

/** Opens the room while the component is mounted; a new room name means a new model. */
export function useChatRoom(room: string, selfId: string | undefined): ChatRoomView {
  const [attempt, setAttempt] = useState(0);
  const model = useMemo(() => new RoomModel(room, selfId), [room, selfId, attempt]);
  useEffect(() => model.start(), [model]);
  const state = useStore(model.store);
  return { state, loadOlder: () => void model.loadOlder(), reload: () => setAttempt((n) => n + 1) };
}

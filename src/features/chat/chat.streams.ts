// `chat:<room>`: signed-in users only, existing rooms only. Watching the stream is being in the room,
// so joining and leaving it drive presence.
import { LIMITS } from '../../shared/api.js';
import { requireViewer, type StreamRegistry } from '../../realtime/streams.js';
import type { ChatService } from './chat.service.js';

export function registerChatStreams(streams: StreamRegistry, chat: ChatService): void {
  streams.register('chat', {
    takesArg: true,
    argPattern: new RegExp(LIMITS.roomPattern),
    async authorize(viewer, room) {
      requireViewer(viewer);
      await chat.requireRoom(room);
      return `chat:${room}`;
    },
    async onJoined(socket, room) {
      if (socket.data.viewer) await chat.joined(room, socket.data.viewer, socket.id);
    },
    async onLeft(socket, room) {
      if (socket.data.viewer) await chat.left(room, socket.data.viewer, socket.id);
    },
  });
}

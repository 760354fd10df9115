// `dm:<conversationId>`: its two members only, and only while no block stands between them. Anyone
// else is FORBIDDEN, whether or not the conversation exists, so the stream tells nobody that it does.
// A block that begins while a member watches hides the other's messages from them (the hub's hidden
// rooms), and their next subscribe is refused.
import { requireViewer, type StreamRegistry } from '../../realtime/streams.js';
import type { DmsService } from './dms.service.js';

export function registerDmStreams(streams: StreamRegistry, dms: DmsService): void {
  streams.register('dm', {
    takesArg: true,
    argPattern: /^\d{1,18}$/,
    async authorize(viewer, id) {
      await dms.authorizeStream(requireViewer(viewer), id);
      return `dm:${id}`;
    },
  });
}

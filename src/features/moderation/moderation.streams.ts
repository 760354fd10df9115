// `moderation`: the queue's live events (`report.created`, `report.resolved`), for admins and
// moderators only. A role taken away reconnects the user's sockets (staff.service.ts), and the new
// handshake is refused here on resubscribe.
import { errors } from '../../errors.js';
import { requireViewer, type StreamRegistry } from '../../realtime/streams.js';
import { isStaff } from './staff.js';

export const MODERATION_STREAM = 'moderation';

export function registerModerationStreams(streams: StreamRegistry): void {
  streams.register(MODERATION_STREAM, {
    takesArg: false,
    authorize(viewer) {
      if (!isStaff(requireViewer(viewer))) throw errors.forbidden('Only moderators and admins can watch the moderation queue.');
      return MODERATION_STREAM;
    },
  });
}

// Streams that belong to no single feature: the viewer's private `user` stream and the admins'
// `system` stream.
import { errors } from '../errors.js';
import { requireViewer, type StreamRegistry } from './streams.js';

export function registerCoreStreams(streams: StreamRegistry): void {
  streams.register('user', {
    takesArg: false,
    authorize: (viewer) => `user:${requireViewer(viewer).id}`,
  });
  streams.register('system', {
    takesArg: false,
    authorize(viewer) {
      if (!requireViewer(viewer).isAdmin) throw errors.forbidden('Only admins can watch the system stream.');
      return 'system';
    },
  });
}

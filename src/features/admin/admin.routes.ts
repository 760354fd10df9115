import { errors } from '../../errors.js';
import type { Viewer } from '../accounts/viewer.js';
import type { AppInstance } from '../../http/types.js';
import { OverviewSchema, QueueParams, RetryDeadSchema } from './admin.schemas.js';
import type { AdminService } from './admin.service.js';

export function adminRoutes(app: AppInstance, admin: AdminService): void {
  const tags = ['admin'];

  app.get(
    '/api/admin/overview',
    { schema: { tags, summary: 'Live instances, job queues and dead-lettered jobs (admins only).', response: { 200: OverviewSchema } } },
    async (req) => {
      requireAdmin(req.viewer);
      return admin.overview();
    },
  );

  app.post(
    '/api/admin/dead/:queue/retry',
    { schema: { tags, summary: "Moves a queue's dead-lettered jobs back to it (admins only).", params: QueueParams, response: { 200: RetryDeadSchema } } },
    async (req) => {
      requireAdmin(req.viewer);
      return admin.retryDead(req.params.queue);
    },
  );
}

function requireAdmin(viewer: Viewer | null): void {
  if (!viewer) throw errors.unauthenticated();
  if (!viewer.isAdmin) throw errors.forbidden('Only admins can see this.');
}

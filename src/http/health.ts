import type { HealthReport } from '../adapters/health.js';
import type { AppInstance } from './types.js';

export function healthRoutes(app: AppInstance, deps: { health: () => Promise<HealthReport>; isDraining: () => boolean }): void {
  app.get('/healthz', { schema: { tags: ['operations'] } }, async () => ({ ok: true }));

  /** Ready when every dependency answers and the instance is not draining. */
  app.get('/readyz', { schema: { tags: ['operations'] } }, async (_req, reply) => {
    const checks = await deps.health();
    if (deps.isDraining()) checks.instance = 'draining';
    const ok = Object.values(checks).every((v) => v === 'ok');
    return reply.code(ok ? 200 : 503).send({ ok, checks });
  });
}

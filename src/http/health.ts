import type { Db } from '../ports/db.js';
import type { AppInstance } from './types.js';

export function healthRoutes(app: AppInstance, deps: { db: Db; isDraining: () => boolean }): void {
  app.get('/healthz', { schema: { tags: ['operations'] } }, async () => ({ ok: true }));

  /** Ready when every dependency answers and the instance is not draining. */
  app.get('/readyz', { schema: { tags: ['operations'] } }, async (_req, reply) => {
    const checks: Record<string, string> = {};
    checks.database = await deps.db.ping().then(
      () => 'ok',
      (err: Error) => `down: ${err.message}`,
    );
    if (deps.isDraining()) checks.instance = 'draining';
    const ok = Object.values(checks).every((v) => v === 'ok');
    return reply.code(ok ? 200 : 503).send({ ok, checks });
  });
}

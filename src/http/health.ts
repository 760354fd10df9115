import type { HealthReport } from '../adapters/health.js';
import type { AppInstance } from './types.js';

/**
 * Jobs wait in the PostgreSQL outbox while RabbitMQ is away, so uploads and everything else keep
 * working; taking every instance out of the load balancer would turn a broker restart into an outage.
 */
const CAN_SERVE_WITHOUT = new Set(['amqp']);

export function healthRoutes(app: AppInstance, deps: { health: () => Promise<HealthReport>; isDraining: () => boolean }): void {
  app.get('/healthz', { schema: { tags: ['operations'] } }, async () => ({ ok: true }));

  /**
   * Ready when the instance is not draining and every dependency it cannot serve without answers.
   * Each dependency is reported; one it can do without only marks the instance degraded.
   */
  app.get('/readyz', { schema: { tags: ['operations'] } }, async (_req, reply) => {
    const checks = await deps.health();
    if (deps.isDraining()) checks.instance = 'draining';
    const failing = Object.keys(checks).filter((name) => checks[name] !== 'ok');
    const ok = failing.every((name) => CAN_SERVE_WITHOUT.has(name));
    return reply.code(ok ? 200 : 503).send({ ok, checks, ...(failing.length && ok ? { degraded: failing } : {}) });
  });
}

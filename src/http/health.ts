import type { HealthReport } from '../adapters/health.js';
import type { AppInstance } from './types.js';

/**
 * Jobs wait in the PostgreSQL outbox while RabbitMQ is away, so uploads and everything else keep
 * working; taking every instance out of the load balancer would turn a broker restart into an outage.
 */
export const CAN_SERVE_WITHOUT: ReadonlySet<string> = new Set(['amqp']);

export function healthRoutes(
  app: AppInstance,
  deps: {
    health: () => Promise<HealthReport>;
    isDraining: () => boolean;
    /** The readiness watchdog (ops/readiness.ts): while it says not ready, its last report answers at once. */
    readiness?: { readonly ready: boolean; readonly report: HealthReport };
  },
): void {
  /** The reason last logged per dependency: a load balancer asks every second, the log hears of each change once. */
  const logged = new Map<string, string>();

  app.get('/healthz', { schema: { tags: ['operations'] } }, async () => ({ ok: true }));

  /**
   * Ready when the instance is not draining and every dependency it cannot serve without answers.
   * Each dependency is reported as "ok" or "down"; why it is down goes to the log only, since an
   * error's text can hold hosts, addresses and user names that anyone reaching /readyz would read.
   * One it can do without only marks the instance degraded.
   */
  app.get('/readyz', { schema: { tags: ['operations'] } }, async (req, reply) => {
    // A dependency that hangs must not make the load balancer's check hang too: once the watchdog
    // has given up, its last report is the answer.
    const report = deps.readiness && !deps.readiness.ready ? deps.readiness.report : await deps.health();
    const checks: Record<string, string> = {};
    for (const [name, result] of Object.entries(report)) {
      checks[name] = result === 'ok' ? 'ok' : 'down';
      if (result === 'ok') {
        if (logged.delete(name)) req.log.info({ dependency: name }, 'readiness: dependency is back');
      } else if (logged.get(name) !== result) {
        logged.set(name, result);
        req.log.warn({ dependency: name, reason: result }, 'readiness: dependency is down');
      }
    }
    if (deps.isDraining()) checks.instance = 'draining';
    const failing = Object.keys(checks).filter((name) => checks[name] !== 'ok');
    const ok = failing.every((name) => CAN_SERVE_WITHOUT.has(name));
    return reply.code(ok ? 200 : 503).send({ ok, checks, ...(failing.length && ok ? { degraded: failing } : {}) });
  });
}

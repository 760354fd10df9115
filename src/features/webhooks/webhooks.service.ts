// Webhooks: admins register endpoints for domain event types; each event an endpoint asked for is
// delivered as a signed POST (Standard Webhooks: webhook-id, webhook-timestamp, webhook-signature
// with the endpoint's own secret, signed by the `standardwebhooks` library), retried with back-off by
// the job system, logged, and an endpoint failing for a day is disabled and the admins told.
import { randomBytes } from 'node:crypto';
import { Webhook } from 'standardwebhooks';
import { seal, unseal } from '../../crypto/sealed.js';
import { AppError, errors } from '../../errors.js';
import { enqueue } from '../../jobs/outbox.js';
import type { Db } from '../../ports/db.js';
import type { JobRunner } from '../../ports/jobs.js';
import { enforceRate, type RateLimiter } from '../../ports/rate-limit.js';
import type { WebhookDelivery, WebhookEndpoint } from '../../shared/events.js';
import type { Viewer } from '../accounts/viewer.js';
import { DOMAIN_EVENT_TYPES, loadEvent } from '../events/events.js';
import { addressRule, checkUrl, ForbiddenTarget, postGuarded } from './outbound.js';
import {
  deleteEndpoint,
  endpointsFor,
  findEndpoint,
  insertEndpoint,
  listDeliveries,
  listEndpoints,
  logDelivery,
  recordOutcome,
  setEnabled,
  type EndpointRow,
} from './webhooks.repo.js';

export const WEBHOOK_LIMITS = {
  timeoutMs: 10_000,
  /** Failing this long without a success disables an endpoint. */
  disableAfterMs: 24 * 60 * 60_000,
  urlMax: 2000,
  createsPerAdmin: { limit: 30, windowMs: 60 * 60_000 },
} as const;

export type { WebhookDelivery, WebhookEndpoint };

const PURPOSE = 'webhooks';

export interface WebhooksDeps {
  db: Db;
  limiter: RateLimiter;
  sessionSecret: string;
  allowPrivate: boolean;
  log: { warn(obj: object, msg: string): void };
}

export class WebhooksService {
  constructor(private readonly deps: WebhooksDeps) {}

  async create(viewer: Viewer, input: { url: string; events: string[] }): Promise<{ endpoint: WebhookEndpoint; secret: string }> {
    requireAdmin(viewer);
    let url: URL;
    try {
      url = new URL(input.url);
    } catch {
      throw errors.validation('`url` must be an absolute http or https URL.');
    }
    try {
      checkUrl(url, addressRule(this.deps.allowPrivate));
    } catch (err) {
      if (err instanceof ForbiddenTarget) throw errors.validation(`\`url\` is refused: ${err.message}.`);
      throw err;
    }
    const unknown = input.events.filter((e) => !(DOMAIN_EVENT_TYPES as readonly string[]).includes(e));
    if (input.events.length === 0 || unknown.length > 0) throw errors.validation(`\`events\` is a list of ${DOMAIN_EVENT_TYPES.join(', ')}.`);
    await enforceRate(this.deps.limiter, `webhooks:create:${viewer.id}`, WEBHOOK_LIMITS.createsPerAdmin);
    const secret = `whsec_${randomBytes(24).toString('base64')}`;
    const row = await insertEndpoint(this.deps.db, { url: url.href, events: [...new Set(input.events)], secretEnc: seal(secret, this.deps.sessionSecret, PURPOSE), createdBy: viewer.id });
    return { endpoint: toEndpoint(row), secret };
  }

  async list(viewer: Viewer): Promise<WebhookEndpoint[]> {
    requireAdmin(viewer);
    return (await listEndpoints(this.deps.db)).map((r) => ({
      ...toEndpoint(r),
      lastDelivery: r.last_at ? { status: r.last_status, error: r.last_error, at: r.last_at.toISOString() } : null,
    }));
  }

  async setEnabled(viewer: Viewer, id: string, enabled: boolean): Promise<WebhookEndpoint> {
    requireAdmin(viewer);
    const row = await setEnabled(this.deps.db, id, enabled, enabled ? null : `disabled by ${viewer.username}`);
    if (!row) throw errors.notFound('The webhook');
    return toEndpoint(row);
  }

  async delete(viewer: Viewer, id: string): Promise<void> {
    requireAdmin(viewer);
    if (!(await deleteEndpoint(this.deps.db, id))) throw errors.notFound('The webhook');
  }

  async deliveries(viewer: Viewer, id: string, beforeId: string | undefined, limit: number): Promise<WebhookDelivery[]> {
    requireAdmin(viewer);
    if (!(await findEndpoint(this.deps.db, id))) throw errors.notFound('The webhook');
    return (await listDeliveries(this.deps.db, id, beforeId, limit)).map((d) => ({
      id: d.id,
      eventId: d.event_id,
      eventType: d.event_type,
      attempt: d.attempt,
      status: d.status,
      error: d.error,
      durationMs: d.duration_ms,
      createdAt: d.created_at.toISOString(),
    }));
  }

  register(runner: JobRunner): void {
    runner.handle('webhooks.dispatch', (job) => this.dispatch(job.payload.eventId));
    runner.handle('webhook.deliver', (job) => this.deliver(job.payload.eventId, job.payload.endpointId, job.attempt));
  }

  /** One delivery job per endpoint that wants the event (a redelivered dispatch may repeat some: receivers dedupe by webhook-id). */
  async dispatch(eventId: string): Promise<void> {
    const event = await loadEvent(this.deps.db, eventId);
    if (!event) return;
    await this.deps.db.tx(async (q) => {
      for (const endpointId of await endpointsFor(q, event.type)) await enqueue(q, 'webhook.deliver', { eventId, endpointId });
    });
  }

  async deliver(eventId: string, endpointId: string, attempt: number): Promise<void> {
    const { db } = this.deps;
    const [endpoint, event] = await Promise.all([findEndpoint(db, endpointId), loadEvent(db, eventId)]);
    if (!endpoint?.enabled || !event) return; // deleted or disabled meanwhile: nothing to deliver
    const secret = unseal(endpoint.secret_enc, this.deps.sessionSecret, PURPOSE);
    if (!secret) return this.deps.log.warn({ endpointId }, 'webhook secret unreadable (SESSION_SECRET changed?); not delivered');
    const payload = JSON.stringify(event);
    const at = new Date();
    const signature = new Webhook(secret).sign(event.id, at, payload);
    const timestamp = String(Math.floor(at.getTime() / 1000));
    const started = Date.now();
    let status: number | null = null;
    let error: string | null = null;
    let retry = true;
    try {
      const res = await postGuarded(
        endpoint.url,
        payload,
        { 'webhook-id': event.id, 'webhook-timestamp': timestamp, 'webhook-signature': signature, 'user-agent': 'Strobe-Webhooks/1' },
        { allowed: addressRule(this.deps.allowPrivate), timeoutMs: WEBHOOK_LIMITS.timeoutMs },
      );
      status = res.status;
      if (res.status < 200 || res.status >= 300) error = `HTTP ${res.status}${res.body ? `: ${res.body.slice(0, 200)}` : ''}`;
    } catch (err) {
      error = err instanceof Error ? err.message : String(err);
      // A target the rules forbid will not become allowed on a retry.
      if (err instanceof ForbiddenTarget) retry = false;
    }
    const ok = error === null;
    const disabled = await db.tx(async (q) => {
      await logDelivery(q, { endpointId, eventId, eventType: event.type, attempt, status, error, durationMs: Date.now() - started });
      const off = await recordOutcome(q, endpointId, ok, WEBHOOK_LIMITS.disableAfterMs, 'failing for a day without a success');
      if (off) await notifyAdmins(q, endpoint, error ?? 'failing');
      return off;
    });
    if (!ok && retry && !disabled) throw new Error(`webhook delivery failed: ${error}`);
  }
}

/** Every admin hears that an endpoint was disabled (`webhook.disabled`). */
async function notifyAdmins(q: Parameters<typeof enqueue>[0], endpoint: EndpointRow, lastError: string): Promise<void> {
  const admins = await q.query<{ id: string }>(`select id from users where is_admin and deleted_at is null limit 100`);
  for (const a of admins) {
    await enqueue(q, 'notify', {
      userId: a.id,
      type: 'webhook.disabled',
      reason: `${endpoint.url}: failing for a day (last: ${lastError.slice(0, 200)})`,
      key: `webhook.disabled:${endpoint.id}:${Date.now()}`,
    });
  }
}

function requireAdmin(viewer: Viewer): void {
  if (!viewer.isAdmin) throw new AppError('FORBIDDEN', 403, 'Only admins manage webhooks.');
}

function toEndpoint(r: EndpointRow): WebhookEndpoint {
  return {
    id: r.id,
    url: r.url,
    events: r.events,
    enabled: r.enabled,
    disabledReason: r.disabled_reason,
    failingSince: r.failing_since?.toISOString() ?? null,
    createdAt: r.created_at.toISOString(),
  };
}

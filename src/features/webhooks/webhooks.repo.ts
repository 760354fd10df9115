// Webhook endpoints and their delivery log (migration 013).
import type { Queryable } from '../../ports/db.js';

export interface EndpointRow {
  id: string;
  url: string;
  events: string[];
  secret_enc: string;
  enabled: boolean;
  disabled_reason: string | null;
  failing_since: Date | null;
  created_at: Date;
}

const ENDPOINT_COLUMNS = 'id, url, events, secret_enc, enabled, disabled_reason, failing_since, created_at';

export async function insertEndpoint(q: Queryable, e: { url: string; events: string[]; secretEnc: string; createdBy: string }): Promise<EndpointRow> {
  const [row] = await q.query<EndpointRow>(
    `insert into webhook_endpoints (url, events, secret_enc, created_by) values ($1, $2, $3, $4) returning ${ENDPOINT_COLUMNS}`,
    [e.url, e.events, e.secretEnc, e.createdBy],
  );
  return row!;
}

export async function listEndpoints(q: Queryable): Promise<(EndpointRow & { last_status: number | null; last_error: string | null; last_at: Date | null })[]> {
  return q.query(
    `select ${ENDPOINT_COLUMNS.split(', ').map((c) => `e.${c}`).join(', ')}, d.status as last_status, d.error as last_error, d.created_at as last_at
     from webhook_endpoints e
     left join lateral (select status, error, created_at from webhook_deliveries where endpoint_id = e.id order by id desc limit 1) d on true
     order by e.id limit 100`,
  );
}

export async function findEndpoint(q: Queryable, id: string): Promise<EndpointRow | null> {
  if (!/^\d{1,18}$/.test(id)) return null;
  const [row] = await q.query<EndpointRow>(`select ${ENDPOINT_COLUMNS} from webhook_endpoints where id = $1`, [id]);
  return row ?? null;
}

export async function setEnabled(q: Queryable, id: string, enabled: boolean, reason: string | null): Promise<EndpointRow | null> {
  if (!/^\d{1,18}$/.test(id)) return null;
  const [row] = await q.query<EndpointRow>(
    `update webhook_endpoints set enabled = $2, disabled_reason = $3, failing_since = case when $2 then null else failing_since end
     where id = $1 returning ${ENDPOINT_COLUMNS}`,
    [id, enabled, reason],
  );
  return row ?? null;
}

export async function deleteEndpoint(q: Queryable, id: string): Promise<boolean> {
  if (!/^\d{1,18}$/.test(id)) return false;
  return (await q.query(`delete from webhook_endpoints where id = $1 returning 1`, [id])).length > 0;
}

/** Enabled endpoints that asked for this event type. */
export async function endpointsFor(q: Queryable, type: string): Promise<string[]> {
  const rows = await q.query<{ id: string }>(`select id from webhook_endpoints where enabled and $1 = any(events) order by id`, [type]);
  return rows.map((r) => r.id);
}

export interface DeliveryRow {
  id: string;
  event_id: string;
  event_type: string;
  attempt: number;
  status: number | null;
  error: string | null;
  duration_ms: number | null;
  created_at: Date;
}

export async function logDelivery(
  q: Queryable,
  d: { endpointId: string; eventId: string; eventType: string; attempt: number; status: number | null; error: string | null; durationMs: number },
): Promise<void> {
  await q.query(
    `insert into webhook_deliveries (endpoint_id, event_id, event_type, attempt, status, error, duration_ms) values ($1, $2, $3, $4, $5, $6, $7)`,
    [d.endpointId, d.eventId, d.eventType, d.attempt, d.status, d.error, d.durationMs],
  );
}

export async function listDeliveries(q: Queryable, endpointId: string, beforeId: string | undefined, limit: number): Promise<DeliveryRow[]> {
  return q.query<DeliveryRow>(
    `select id, event_id, event_type, attempt, status, error, duration_ms, created_at from webhook_deliveries
     where endpoint_id = $1 and ($2::bigint is null or id < $2::bigint) order by id desc limit $3`,
    [endpointId, beforeId ?? null, limit],
  );
}

/**
 * Records an outcome on the endpoint (in a transaction): a success clears `failing_since`, a failure
 * sets it if unset. True when this failure is the one that disables it, after `disableAfterMs` of
 * failures without a success.
 */
export async function recordOutcome(q: Queryable, endpointId: string, ok: boolean, disableAfterMs: number, reason: string): Promise<boolean> {
  const [row] = await q.query<{ enabled: boolean; failing_for_ms: number | null }>(
    `select enabled, (extract(epoch from now() - failing_since) * 1000)::float8 as failing_for_ms from webhook_endpoints where id = $1 for update`,
    [endpointId],
  );
  if (!row) return false;
  if (ok) {
    if (row.failing_for_ms !== null) await q.query(`update webhook_endpoints set failing_since = null where id = $1`, [endpointId]);
    return false;
  }
  if (row.failing_for_ms === null) {
    await q.query(`update webhook_endpoints set failing_since = now() where id = $1`, [endpointId]);
    return false;
  }
  if (!row.enabled || row.failing_for_ms < disableAfterMs) return false;
  await q.query(`update webhook_endpoints set enabled = false, disabled_reason = $2 where id = $1`, [endpointId, reason]);
  return true;
}

// Domain events: what happened, for services outside Strobe (a points keeper, a notifier, a poster
// to other networks) and for webhooks. Each is written to the `domain_events` outbox in the
// transaction that makes it true, so a crash can neither lose one nor announce one that did not
// happen; in cluster mode the outbox relay publishes it to the `strobe.events` topic exchange with
// publisher confirms (routing key: the type). Consumers deduplicate by `id`. The shapes are
// documented in docs/messages.md, with a JSON Schema per type in docs/schemas/.
import { randomUUID } from 'node:crypto';
import type { Queryable } from '../../ports/db.js';
import type { Comment, Photo, PublicUser } from '../../shared/api.js';
import { DOMAIN_EVENT_TYPES, type DomainEventType as SharedEventType } from '../../shared/events.js';

export interface DomainEventData {
  'photo.ready': { photo: Photo };
  'photo.deleted': { photo: { id: string; ownerId: string } };
  'photo.liked': { photo: { id: string; ownerId: string; likes: number }; user: PublicUser };
  'user.registered': { user: PublicUser };
  'user.followed': { follower: PublicUser; followee: PublicUser };
  'comment.created': { comment: Comment; photo: { id: string; ownerId: string } };
}
export type DomainEventType = keyof DomainEventData;

export { DOMAIN_EVENT_TYPES };
// The list the browser shares (shared/events.ts) and the data shapes here name the same types:
// this line stops compiling when one gains a type the other lacks.
const listsAgree: [DomainEventType] extends [SharedEventType] ? ([SharedEventType] extends [DomainEventType] ? true : never) : never = true;
void listsAgree;

/** Bumped when a type's data changes incompatibly; consumers may route on it. */
export const EVENT_VERSION = 1;

/** As published: the envelope every consumer sees. */
export interface DomainEvent<T extends DomainEventType = DomainEventType> {
  id: string;
  type: T;
  version: number;
  occurredAt: string;
  data: DomainEventData[T];
}

/**
 * Records an event in the caller's transaction. Webhook endpoints that asked for this type get a
 * dispatch job in the same transaction (none is written when no endpoint wants it).
 */
export async function recordEvent<T extends DomainEventType>(q: Queryable, type: T, data: DomainEventData[T]): Promise<string> {
  const id = randomUUID();
  await q.query(`insert into domain_events (id, type, version, data) values ($1, $2, $3, $4)`, [id, type, EVENT_VERSION, JSON.stringify(data)]);
  await q.query(
    `insert into jobs (name, payload) select 'webhooks.dispatch', $1::jsonb
     where exists (select 1 from webhook_endpoints where enabled and $2 = any(events))`,
    [JSON.stringify({ eventId: id }), type],
  );
  return id;
}

interface EventRow {
  id: string;
  type: DomainEventType;
  version: number;
  occurred_at: Date;
  data: unknown;
}

export function toDomainEvent(r: EventRow): DomainEvent {
  return { id: r.id, type: r.type, version: r.version, occurredAt: r.occurred_at.toISOString(), data: r.data as DomainEvent['data'] };
}

export async function loadEvent(q: Queryable, id: string): Promise<DomainEvent | null> {
  const [row] = await q.query<EventRow>(`select id, type, version, occurred_at, data from domain_events where id = $1`, [id]);
  return row ? toDomainEvent(row) : null;
}

/** Claims up to `limit` events not yet relayed (FOR UPDATE SKIP LOCKED: call it in a transaction). */
export async function claimPendingEvents(q: Queryable, limit: number): Promise<DomainEvent[]> {
  const rows = await q.query<EventRow>(
    `select id, type, version, occurred_at, data from domain_events where relayed_at is null order by occurred_at limit $1 for update skip locked`,
    [limit],
  );
  return rows.map(toDomainEvent);
}

export async function markRelayed(q: Queryable, ids: readonly string[]): Promise<void> {
  await q.query(`update domain_events set relayed_at = now() where id = any($1::uuid[])`, [ids]);
}

/**
 * Forgets old events: relayed ones after a week, and in embedded mode (no broker, nothing relays
 * them; webhooks have their own jobs) every one after a week.
 */
export async function purgeOldEvents(q: Queryable, relayed: boolean): Promise<number> {
  const rows = await q.query(
    `delete from domain_events where id in (select id from domain_events where occurred_at < now() - interval '7 days' and ($1 = false or relayed_at is not null) limit 5000) returning 1`,
    [relayed],
  );
  return rows.length;
}

// Domain events are an outbox: written with the transaction that makes them true or not at all, and
// a webhook dispatch job is written with them only when an enabled endpoint asked for the type.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { claimPendingEvents, markRelayed, purgeOldEvents, recordEvent } from '../../src/features/events/events.js';
import { buildTestApp } from '../helpers/app.js';
import { userRef } from '../helpers/users.js';

test('an event commits with its transaction or not at all; webhooks get a dispatch job only when one wants the type', async (t) => {
  const app = await buildTestApp(t);
  const { db } = app.adapters;
  const count = async (sql: string) => (await db.query<{ n: number }>(`select count(*)::int as n from ${sql}`))[0]!.n;

  await assert.rejects(
    db.tx(async (q) => {
      await recordEvent(q, 'user.registered', { user: userRef('1', 'ann') });
      throw new Error('the registration failed after all');
    }),
  );
  assert.equal(await count('domain_events'), 0, 'rolled back: no event');

  await db.tx((q) => recordEvent(q, 'user.registered', { user: userRef('1', 'ann') }));
  assert.equal(await count('domain_events'), 1);
  assert.equal(await count(`jobs where name = 'webhooks.dispatch'`), 0, 'no endpoint, no job');

  const [admin] = await db.query<{ id: string }>(`insert into users (username, password_hash) values ('ev_admin', 'x') returning id`);
  await db.query(`insert into webhook_endpoints (url, events, secret_enc, created_by) values ('https://example.org/h', '{photo.ready}', 'x', $1)`, [admin!.id]);
  await db.tx((q) => recordEvent(q, 'user.registered', { user: userRef('2', 'bob') }));
  assert.equal(await count(`jobs where name = 'webhooks.dispatch'`), 0, 'an endpoint for another type');
  await db.tx((q) => recordEvent(q, 'photo.deleted', { photo: { id: '9', ownerId: '1' } }));
  await db.query(`update webhook_endpoints set events = '{photo.deleted}'`);
  const id = await db.tx((q) => recordEvent(q, 'photo.deleted', { photo: { id: '10', ownerId: '1' } }));
  const jobs = await db.query<{ payload: { eventId: string } }>(`select payload from jobs where name = 'webhooks.dispatch'`);
  assert.deepEqual(jobs.map((j) => j.payload.eventId), [id]);

  // The relay's side: claimed in order, marked relayed once; old relayed ones are purged.
  const claimed = await db.tx(async (q) => {
    const events = await claimPendingEvents(q, 10);
    await markRelayed(q, events.map((e) => e.id));
    return events;
  });
  assert.deepEqual(claimed.map((e) => e.type), ['user.registered', 'user.registered', 'photo.deleted', 'photo.deleted']);
  assert.ok(claimed.every((e) => e.version === 1 && typeof e.occurredAt === 'string'));
  assert.equal((await db.tx((q) => claimPendingEvents(q, 10))).length, 0);
  await db.query(`update domain_events set occurred_at = now() - interval '8 days'`);
  assert.equal(await db.tx((q) => purgeOldEvents(q, true)), 4);
});

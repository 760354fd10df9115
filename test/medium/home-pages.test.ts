// The first home page each web process keeps per reader (features/photos/home-pages.ts): after
// every kind of write that changes what a reader sees, on the same instance or another one, the
// next read is exactly what the page query returns then. The page read with a `before` cursor past
// every id takes the uncached path and is the truth each kept read is compared with.
import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { HomePages } from '../../src/features/photos/home-pages.js';
import { listFeed, Names } from '../../src/features/photos/photos.repo.js';
import { encodeCursor } from '../../src/http/pagination.js';
import type { Queryable } from '../../src/ports/db.js';
import type { Page, Photo } from '../../src/shared/api.js';
import { buildTestApp, register, type TestApp } from '../helpers/app.js';
import { until } from '../helpers/photos.js';
import { deleteRedisKeys, freshPostgres, freshVhost, RUN_ID, SERVICES, servicesUp } from '../helpers/services.js';

interface User {
  cookie: string;
  id: string;
  username: string;
}

const LIMIT = 5;
const PAST_EVERY_ID = encodeCursor({ id: '999999999999999999' });

function call(app: TestApp, method: 'GET' | 'PUT' | 'POST' | 'PATCH' | 'DELETE', url: string, user: User, payload?: object) {
  return app.app.inject({ method, url, headers: { cookie: user.cookie }, ...(payload ? { payload } : {}) });
}

async function ok<T>(res: Promise<{ statusCode: number; body: string; json(): unknown }>, status = 200): Promise<T> {
  const r = await res;
  assert.equal(r.statusCode, status, r.body);
  return (status === 204 ? undefined : r.json()) as T;
}

/** First home pages this app answered from memory, from its /metrics counter. */
async function kept(app: TestApp): Promise<number> {
  const metric = (await app.metrics.registry.getMetricsAsJSON()).find((m) => m.name === 'strobe_home_page_reads_total');
  return (metric?.values.find((v) => v.labels.result === 'kept')?.value as number | undefined) ?? 0;
}

/** Inserts a ready photo and the timeline rows a fan-out would write (the owner's and each follower's). */
async function fannedOut(app: TestApp, owner: User, caption: string): Promise<string> {
  const [row] = await app.adapters.db.query<{ id: string }>(
    `insert into photos (owner_id, caption, status, width, height, thumb_key, display_key, placeholder)
     values ($1, $2, 'ready', 64, 48, 'thumb-' || md5($2), 'display-' || md5($2), 'ph') returning id`,
    [owner.id, caption],
  );
  await app.adapters.db.query(
    `insert into home_timeline (user_id, photo_id) select follower_id, $2 from follows where followee_id = $1 union select $1::bigint, $2::bigint`,
    [owner.id, row!.id],
  );
  return row!.id;
}

/**
 * Writes through `writer`, reads through `reader` (the same app in embedded mode, two instances on
 * one PostgreSQL, Redis and RabbitMQ in a cluster).
 */
async function homeStaysTrue(writer: TestApp, reader: TestApp, tag: string): Promise<void> {
  const user = async (name: string): Promise<User> => ({ ...(await register(writer, `${tag}_${name}`)), username: `${tag}_${name}` });
  await user('admin'); // the first account takes the admin seat
  const [ria, oli, ola, xan] = [await user('ria'), await user('oli'), await user('ola'), await user('xan')];
  for (const owner of [oli, ola]) await ok(call(writer, 'PUT', `/api/users/${owner.username}/follow`, ria));
  const ids: string[] = [];
  for (let i = 0; i < 12; i++) ids.push(await fannedOut(writer, i % 2 ? ola : oli, `${tag} photo ${i}`));

  const home = () => ok<Page<Photo>>(call(reader, 'GET', `/api/feeds/home?limit=${LIMIT}`, ria));
  const truth = () => ok<Page<Photo>>(call(reader, 'GET', `/api/feeds/home?limit=${LIMIT}&before=${PAST_EVERY_ID}`, ria));
  /** The kept read, after `what`, is the truth (read again until then when `eventually`), and `expect` holds of it. */
  const check = async (what: string, expect: (page: Page<Photo>) => boolean, eventually = false) => {
    const page = eventually ? await until(what, home, expect, 10_000) : await home();
    assert.deepEqual(page.items, (await truth()).items, what);
    assert.ok(expect(page), `${what}: ${JSON.stringify(page.items.map((p) => [p.id, p.likes, p.liked, p.comments, p.owner.displayName]))}`);
    return page;
  };
  const top = () => ids.at(-1)!;
  const item = (page: Page<Photo>, id: string) => page.items.find((p) => p.id === id);

  await check('the first read', (p) => p.items.length === LIMIT && p.items[0]!.id === top());
  const before = await kept(reader);
  await check('a read with nothing changed', () => true);
  await check('another', () => true);
  assert.ok((await kept(reader)) >= before + 2, 'unchanged pages are served from memory');

  await ok(call(writer, 'PUT', `/api/photos/${top()}/like`, xan));
  await check("someone else's like", (p) => item(p, top())!.likes === 1 && !item(p, top())!.liked);
  await ok(call(writer, 'PUT', `/api/photos/${top()}/like`, ria));
  await check("the reader's own like", (p) => item(p, top())!.likes === 2 && item(p, top())!.liked);
  await ok(call(writer, 'DELETE', `/api/photos/${top()}/like`, ria));
  await check('an unlike', (p) => item(p, top())!.likes === 1 && !item(p, top())!.liked);

  const { comment } = await ok<{ comment: { id: string } }>(call(writer, 'POST', `/api/photos/${top()}/comments`, xan, { text: 'nice', clientId: `${tag}-c1` }), 201);
  await check('a comment', (p) => item(p, top())!.comments === 1);
  await ok(call(writer, 'DELETE', `/api/comments/${comment.id}`, xan), 204);
  await check('a deleted comment', (p) => item(p, top())!.comments === 0);

  ids.push(await fannedOut(writer, oli, `${tag} photo new`));
  await check('a new photo fanned out', (p) => p.items[0]!.id === top());

  const olasTop = ids.filter((_, i) => i % 2 === 1).at(-1)!;
  await ok(call(writer, 'DELETE', `/api/photos/${olasTop}`, ola), 204);
  await check('a deleted photo', (p) => !item(p, olasTop));

  await ok(call(writer, 'DELETE', `/api/users/${ola.username}/follow`, ria));
  await check('an unfollow', (p) => p.items.every((x) => x.owner.id !== ola.id));
  await ok(call(writer, 'PUT', `/api/users/${ola.username}/follow`, ria));
  await check("a follow's backfill", (p) => p.items.some((x) => x.owner.id === ola.id));

  // Moderation and account deletion change a photo's status in SQL of their own: the trigger sees it.
  await writer.adapters.db.query(`update photos set status = 'deleting' where id = $1`, [top()]);
  await check('a status changed outside the photo routes', (p) => !item(p, top()));

  // Blocks and profiles reach the reader's instance as events (at once in embedded mode).
  await ok(call(writer, 'PUT', `/api/users/${oli.username}/block`, ria));
  await check('a block hides the blocked owner', (p) => p.items.length > 0 && p.items.every((x) => x.owner.id !== oli.id), true);
  await ok(call(writer, 'DELETE', `/api/users/${oli.username}/block`, ria));
  await ok(call(writer, 'PUT', `/api/users/${oli.username}/follow`, ria)); // a block ended the follow
  await check('an unblock and a follow show them again', (p) => p.items.some((x) => x.owner.id === oli.id), true);
  await ok(call(writer, 'PATCH', '/api/me', oli, { displayName: 'Oli Renamed' }));
  await check("an owner's new display name", (p) => p.items.some((x) => x.owner.displayName === 'Oli Renamed'), true);
}

describe('the first home page, kept per reader', () => {
  test('embedded: every write that changes the page is seen by the next read', async (t) => {
    const app = await buildTestApp(t);
    await homeStaysTrue(app, app, 'hpe');
  });

  test('a reader whose newest timeline rows are mostly left out is read afresh every time, and right', async (t) => {
    const app = await buildTestApp(t);
    const user = async (name: string): Promise<User> => ({ ...(await register(app, `hpw_${name}`)), username: `hpw_${name}` });
    await user('admin');
    const [ria, oli, ola] = [await user('ria'), await user('oli'), await user('ola')];
    for (const owner of [oli, ola]) await ok(call(app, 'PUT', `/api/users/${owner.username}/follow`, ria));
    for (let i = 0; i < 3; i++) await fannedOut(app, ola, `hpw ola ${i}`);
    // More rows on top that the page leaves out (photos being deleted) than the fingerprint covers.
    for (let i = 0; i < 40; i++) await fannedOut(app, oli, `hpw oli ${i}`);
    await app.adapters.db.query(`update photos set status = 'deleting' where owner_id = $1`, [oli.id]);
    const home = () => ok<Page<Photo>>(call(app, 'GET', `/api/feeds/home?limit=${LIMIT}`, ria));
    const first = await home();
    assert.deepEqual(
      first.items.map((p) => p.owner.id),
      [ola.id, ola.id, ola.id],
    );
    const before = await kept(app);
    await home();
    assert.equal(await kept(app), before, 'not kept: rows below the fingerprint could change the page');
    await fannedOut(app, ola, 'hpw ola new');
    assert.equal((await home()).items.length, 4);
  });
});

describe('checks in batches', () => {
  test('reads that arrive during a check go together in the next one, which sees every write committed before them', async (t) => {
    const app = await buildTestApp(t);
    const { db } = app.adapters;
    const user = async (name: string): Promise<User> => ({ ...(await register(app, `hpb_${name}`)), username: `hpb_${name}` });
    await user('admin');
    const [ria, ron, oli, xan] = [await user('ria'), await user('ron'), await user('oli'), await user('xan')];
    for (const reader of [ria, ron]) await ok(call(app, 'PUT', `/api/users/${oli.username}/follow`, reader));
    let top = '';
    for (let i = 0; i < 8; i++) top = await fannedOut(app, oli, `hpb photo ${i}`);

    // Each check's answer is held until the test lets it go: a write can land after a check read.
    let checks = 0;
    let hold: Promise<void> = Promise.resolve();
    const held: Queryable = {
      async query<T>(sql: string, params?: readonly unknown[]) {
        const rows = await db.query<T>(sql, params);
        if (sql.includes('unnest')) {
          checks++;
          await hold;
        }
        return rows;
      },
      exec: (sql) => db.exec(sql),
    };
    const pages = new HomePages(held, { maxReaders: 10, maxAgeMs: 60_000 });
    const read = (reader: User) => pages.read(reader.id, LIMIT + 1, [], 0, () => listFeed(db, new Names(), { kind: 'home', userId: reader.id }, reader.id, undefined, LIMIT + 1));
    const likesOfTop = (rows: Photo[]) => rows.find((p) => p.id === top)!.likes;

    assert.equal(likesOfTop(await read(ria)), 0);
    await read(ron);
    assert.equal(checks, 2);

    let release!: () => void;
    hold = new Promise((resolve) => (release = resolve));
    const early = read(ria); // its check reads now, before the like
    await until('the check to have read', async () => checks, (n) => n === 3);
    await ok(call(app, 'PUT', `/api/photos/${top}/like`, xan));
    const late = [read(ria), read(ria), read(ron)]; // after the like: they must not take the running check's answer
    hold = Promise.resolve();
    release();
    assert.equal(likesOfTop(await early), 0, 'a read that came before the like may show the page from before it');
    const [ria1, ria2, ron1] = await Promise.all(late);
    assert.equal(checks, 4, 'the three reads that waited were checked by one query');
    for (const rows of [ria1!, ria2!, ron1!]) assert.equal(likesOfTop(rows), 1, 'a read that came after the like shows it');
    assert.deepEqual(ria1, await listFeed(db, new Names(), { kind: 'home', userId: ria.id }, ria.id, undefined, LIMIT + 1));
  });
});

if (await servicesUp(['postgres', 'redis', 'amqp'])) {
  const prefix = `strobe-test:${RUN_ID}:home-pages:`;
  after(() => deleteRedisKeys(prefix));

  test('cluster: a write on one instance is seen by the next read on another', { timeout: 180_000 }, async (t) => {
    const [pg, vhost] = await Promise.all([freshPostgres(), freshVhost()]);
    const env = {
      DATABASE_URL: pg.url,
      REDIS_URL: SERVICES.redis,
      AMQP_URL: vhost.url,
      REDIS_PREFIX: prefix,
      REGISTRATION: 'open',
      SESSION_SECRET: 'a-session-secret-of-at-least-32-characters',
    };
    const a = await buildTestApp(null, env);
    const b = await buildTestApp(null, env);
    t.after(async () => {
      await Promise.all([a.close(), b.close()]);
      await Promise.all([pg.dispose(), vhost.dispose()]);
    });
    await homeStaysTrue(a, b, 'hpc');
  });
}

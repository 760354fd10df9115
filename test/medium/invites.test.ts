// Who may join (REGISTRATION): open, invite-only and closed instances, the first admin's seat in every
// mode, invite links (created, listed, revoked, counted once even when registrations race for the
// last use), and the admins-only guard of the invites API. Assertions are on status and error.code.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import type { LightMyRequestResponse } from 'fastify';
import { ConfigError, loadConfig } from '../../src/config.js';
import { INVITE_LIMITS } from '../../src/features/invites/invites.service.js';
import type { Invite } from '../../src/shared/community.js';
import { buildTestApp, cookieFrom, type TestApp } from '../helpers/app.js';
import { deleteRedisKeys, freshPostgres, freshVhost, RUN_ID, SERVICES, servicesUp } from '../helpers/services.js';

const PASSWORD = 'correct horse';
/** Not this machine: registrations from here never take the first admin's seat. */
const ELSEWHERE = '203.0.113.7';

function useApp(env: Record<string, string> = {}): () => TestApp {
  let app: TestApp | undefined;
  before(async () => {
    app = await buildTestApp(null, env);
  });
  after(() => app?.close());
  return () => app!;
}

function registerReq(app: TestApp, body: Record<string, unknown>, remoteAddress = ELSEWHERE) {
  return app.app.inject({ method: 'POST', url: '/api/auth/register', payload: { password: PASSWORD, ...body }, remoteAddress });
}

function assertError(res: LightMyRequestResponse, status: number, code: string): void {
  assert.equal(res.statusCode, status, `expected ${status} ${code}, got ${res.statusCode} ${res.body}`);
  assert.equal((res.json() as { error?: { code?: string } }).error?.code, code, res.body);
}

/** The instance's admin: the first account registered from the machine itself, in any mode. */
async function firstAdmin(app: TestApp, username = 'root'): Promise<string> {
  const res = await registerReq(app, { username }, '127.0.0.1');
  assert.equal(res.statusCode, 201, res.body);
  assert.equal(res.json().user.isAdmin, true);
  return cookieFrom(res.headers['set-cookie']);
}

async function createInvite(app: TestApp, cookie: string, body: Record<string, unknown> = {}, headers: Record<string, string> = {}): Promise<Invite> {
  const res = await app.app.inject({ method: 'POST', url: '/api/admin/invites', headers: { cookie, ...headers }, payload: body });
  assert.equal(res.statusCode, 201, res.body);
  return res.json<{ invite: Invite }>().invite;
}

const tokenOf = (invite: Invite) => new URL(invite.url!).searchParams.get('invite')!;

async function inviteRow(app: TestApp, id: string) {
  const [row] = await app.adapters.db.query<{ uses: number; token_hash: string; revoked_at: Date | null }>('select uses, token_hash, revoked_at from invites where id = $1', [id]);
  return row!;
}

describe('REGISTRATION in the configuration', () => {
  test('open by default in embedded mode, invite in cluster mode; any of the three may be set', () => {
    assert.equal(loadConfig({}).registration, 'open');
    const cluster = {
      DATABASE_URL: 'postgres://db/strobe',
      REDIS_URL: 'redis://redis',
      AMQP_URL: 'amqp://mq',
      SESSION_SECRET: 'a-session-secret-of-at-least-32-characters',
    };
    assert.equal(loadConfig(cluster).registration, 'invite');
    assert.equal(loadConfig({ ...cluster, REGISTRATION: 'open' }).registration, 'open');
    for (const mode of ['open', 'invite', 'closed']) assert.equal(loadConfig({ REGISTRATION: mode }).registration, mode);
  });

  test('anything else stops the boot with one line naming REGISTRATION', () => {
    for (const bad of ['Open', 'invites', 'yes', 'open,invite']) {
      assert.throws(
        () => loadConfig({ REGISTRATION: bad }),
        (err: unknown) => err instanceof ConfigError && err.variable === 'REGISTRATION' && /open.*invite.*closed/.test(err.message),
      );
    }
  });
});

describe('an open instance', () => {
  const app = useApp({ REGISTRATION: 'open' });

  test('GET /api/instance says so, and anyone registers; an invite given is ignored, even a forged one', async () => {
    const info = await app().app.inject({ method: 'GET', url: '/api/instance' });
    assert.deepEqual(info.json(), { hasAdmin: false, registration: 'open' });
    assert.equal((await registerReq(app(), { username: 'anyone' })).statusCode, 201);
    assert.equal((await registerReq(app(), { username: 'linked', invite: 'x'.repeat(43) })).statusCode, 201);
    assert.equal((await registerReq(app(), { username: 'garbled', invite: 'not a token' })).statusCode, 201);
  });
});

describe('a closed instance', () => {
  const app = useApp({ REGISTRATION: 'closed' });

  test('refuses registration with 403 REGISTRATION_CLOSED and creates nobody', async () => {
    assert.equal((await app().app.inject({ method: 'GET', url: '/api/instance' })).json().registration, 'closed');
    const res = await registerReq(app(), { username: 'outsider' });
    assertError(res, 403, 'REGISTRATION_CLOSED');
    assert.match(res.json().error.message, /closed/);
    const [row] = await app().adapters.db.query<{ n: number }>('select count(*)::int as n from users');
    assert.equal(row!.n, 0);
  });

  test('but the first admin registers from the machine itself; the next one from there is refused', async () => {
    await firstAdmin(app());
    assertError(await registerReq(app(), { username: 'second' }, '127.0.0.1'), 403, 'REGISTRATION_CLOSED');
  });
});

describe('an invite-only instance', () => {
  const app = useApp({ REGISTRATION: 'invite' });
  let admin = '';
  before(async () => {
    admin = await firstAdmin(app());
  });

  test('the first admin needed no invite; after that one is required: 403 INVITE_REQUIRED, from anywhere', async () => {
    assert.deepEqual((await app().app.inject({ method: 'GET', url: '/api/instance' })).json(), { hasAdmin: true, registration: 'invite' });
    assertError(await registerReq(app(), { username: 'nobody' }), 403, 'INVITE_REQUIRED');
    assertError(await registerReq(app(), { username: 'nobody', invite: '' }), 403, 'INVITE_REQUIRED');
    assertError(await registerReq(app(), { username: 'local' }, '127.0.0.1'), 403, 'INVITE_REQUIRED');
  });

  test('forged and malformed invites: 403 INVITE_INVALID; absurd ones 400', async () => {
    assertError(await registerReq(app(), { username: 'forger', invite: 'A'.repeat(43) }), 403, 'INVITE_INVALID');
    assertError(await registerReq(app(), { username: 'forger', invite: 'short' }), 403, 'INVITE_INVALID');
    assertError(await registerReq(app(), { username: 'forger', invite: 'a\u0000'.repeat(20) }), 403, 'INVITE_INVALID');
    assertError(await registerReq(app(), { username: 'forger', invite: 'x'.repeat(201) }), 400, 'VALIDATION');
    assertError(await registerReq(app(), { username: 'forger', invite: 42 }), 400, 'VALIDATION');
  });

  test('an admin makes a link: 201 {invite} with the token in its url, stored only as its SHA-256', async () => {
    const before = Date.now();
    const invite = await createInvite(app(), admin, {}, { origin: 'http://strobe.test:8080', host: 'strobe.test:8080' });
    assert.deepEqual(Object.keys(invite).sort(), ['active', 'createdAt', 'createdBy', 'expiresAt', 'id', 'maxUses', 'revokedAt', 'url', 'uses']);
    assert.match(invite.url!, /^http:\/\/strobe\.test:8080\/register\?invite=[\w-]{43}$/);
    assert.equal(invite.maxUses, 1, 'one use by default');
    assert.equal(invite.uses, 0);
    assert.equal(invite.active, true);
    assert.equal(invite.revokedAt, null);
    assert.equal(invite.createdBy?.username, 'root');
    const week = Date.parse(invite.expiresAt!) - before;
    assert.ok(Math.abs(week - 7 * 86_400_000) < 60_000, `7 days by default (${week} ms)`);
    const token = tokenOf(invite);
    const row = await inviteRow(app(), invite.id);
    assert.equal(row.token_hash, createHash('sha256').update(token).digest('hex'));
    const dump = await app().adapters.db.query<{ t: string }>('select row_to_json(invites)::text as t from invites');
    assert.ok(dump.every((r) => !r.t.includes(token)), 'the token itself is stored nowhere');
  });

  test('without an Origin the link is made with the request’s own host', async () => {
    const res = await app().app.inject({ method: 'POST', url: '/api/admin/invites', headers: { cookie: admin, host: 'photos.example:3000' }, payload: {} });
    assert.equal(res.statusCode, 201, res.body);
    assert.match(res.json().invite.url, /^http:\/\/photos\.example:3000\/register\?invite=/);
  });

  test('registering with it: 201, the account remembers its invite, the use is counted; a second use is 403 INVITE_INVALID', async () => {
    const invite = await createInvite(app(), admin, { uses: 1, expiresIn: 3600 });
    const res = await registerReq(app(), { username: 'carol', invite: tokenOf(invite) });
    assert.equal(res.statusCode, 201, res.body);
    assert.equal(res.json().user.isAdmin, false);
    const [user] = await app().adapters.db.query<{ invite_id: string }>(`select invite_id::text as invite_id from users where username = 'carol'`);
    assert.equal(user!.invite_id, invite.id);
    assert.equal((await inviteRow(app(), invite.id)).uses, 1);
    assertError(await registerReq(app(), { username: 'dave', invite: tokenOf(invite) }), 403, 'INVITE_INVALID');
    assert.equal((await inviteRow(app(), invite.id)).uses, 1);
  });

  test('a registration that fails for its username does not use the invite up', async () => {
    const invite = await createInvite(app(), admin);
    assertError(await registerReq(app(), { username: 'carol', invite: tokenOf(invite) }), 409, 'USERNAME_TAKEN');
    assert.equal((await inviteRow(app(), invite.id)).uses, 0, 'rolled back with the insert');
    assert.equal((await registerReq(app(), { username: 'carol_two', invite: tokenOf(invite) })).statusCode, 201);
  });

  test('a link for several people works that many times', async () => {
    const invite = await createInvite(app(), admin, { uses: 3 });
    for (const name of ['multi_a', 'multi_b', 'multi_c']) assert.equal((await registerReq(app(), { username: name, invite: tokenOf(invite) })).statusCode, 201);
    assertError(await registerReq(app(), { username: 'multi_d', invite: tokenOf(invite) }), 403, 'INVITE_INVALID');
  });

  test('an expired invite: 403 INVITE_INVALID', async () => {
    const invite = await createInvite(app(), admin, { expiresIn: 60 });
    await app().adapters.db.query(`update invites set expires_at = now() - interval '1 second' where id = $1`, [invite.id]);
    assertError(await registerReq(app(), { username: 'late', invite: tokenOf(invite) }), 403, 'INVITE_INVALID');
    assert.equal((await inviteRow(app(), invite.id)).uses, 0);
  });

  test('DELETE revokes: 204, again 204 (the first time stays), and the link stops working; an unknown id is 404', async () => {
    const invite = await createInvite(app(), admin, { uses: 5 });
    const del = () => app().app.inject({ method: 'DELETE', url: `/api/admin/invites/${invite.id}`, headers: { cookie: admin } });
    assert.equal((await del()).statusCode, 204);
    const first = (await inviteRow(app(), invite.id)).revoked_at;
    assert.ok(first);
    assert.equal((await del()).statusCode, 204);
    assert.deepEqual((await inviteRow(app(), invite.id)).revoked_at, first);
    assertError(await registerReq(app(), { username: 'revoked', invite: tokenOf(invite) }), 403, 'INVITE_INVALID');
    assertError(await app().app.inject({ method: 'DELETE', url: '/api/admin/invites/999999', headers: { cookie: admin } }), 404, 'NOT_FOUND');
    assertError(await app().app.inject({ method: 'DELETE', url: '/api/admin/invites/abc', headers: { cookie: admin } }), 400, 'VALIDATION');
  });

  test('bad bodies: 400 VALIDATION (uses 1..1000, expiresIn 60 s..30 days, whole numbers, nothing coerced)', async () => {
    for (const body of [{ uses: 0 }, { uses: 1001 }, { uses: 1.5 }, { uses: '3' }, { expiresIn: 59 }, { expiresIn: 30 * 86_400 + 1 }, { expiresIn: null }]) {
      const res = await app().app.inject({ method: 'POST', url: '/api/admin/invites', headers: { cookie: admin }, payload: body });
      assertError(res, 400, 'VALIDATION');
    }
    const longest = await createInvite(app(), admin, { uses: 1000, expiresIn: 30 * 86_400 });
    assert.equal(longest.maxUses, 1000);
  });

  test('the list: newest first, with uses, status and creator, and no url; paged with limit ≤ 100 and before', async () => {
    const list = async (query = '') => {
      const res = await app().app.inject({ method: 'GET', url: `/api/admin/invites${query}`, headers: { cookie: admin } });
      assert.equal(res.statusCode, 200, res.body);
      return res.json<{ items: Invite[]; next: string | null }>();
    };
    const all = await list('?limit=100');
    assert.ok(all.items.length >= 8);
    const ids = all.items.map((i) => Number(i.id));
    assert.deepEqual(ids, [...ids].sort((a, b) => b - a), 'newest first');
    assert.ok(all.items.every((i) => i.url === null));
    const revoked = all.items.find((i) => i.revokedAt !== null)!;
    assert.equal(revoked.active, false);
    const usedUp = all.items.find((i) => i.maxUses === 1 && i.uses === 1)!;
    assert.equal(usedUp.active, false);
    const page1 = await list('?limit=2');
    assert.equal(page1.items.length, 2);
    const page2 = await list(`?limit=2&before=${page1.next}`);
    assert.deepEqual(page2.items.map((i) => i.id), all.items.slice(2, 4).map((i) => i.id));
    assertError(await app().app.inject({ method: 'GET', url: '/api/admin/invites?limit=101', headers: { cookie: admin } }), 400, 'VALIDATION');
    assertError(await app().app.inject({ method: 'GET', url: '/api/admin/invites?before=garbage', headers: { cookie: admin } }), 400, 'VALIDATION');
  });

  test('admins only: 401 signed out, 403 FORBIDDEN for members (and moderators); cross-site writes 403 CSRF', async () => {
    const invite = await createInvite(app(), admin);
    const member = await registerReq(app(), { username: 'member', invite: tokenOf(invite) });
    const cookie = cookieFrom(member.headers['set-cookie']);
    await app().adapters.db.query(`update users set is_moderator = true where username = 'member'`);
    for (const [method, url] of [
      ['POST', '/api/admin/invites'],
      ['GET', '/api/admin/invites'],
      ['DELETE', `/api/admin/invites/${invite.id}`],
    ] as const) {
      const payload = method === 'POST' ? {} : undefined;
      assertError(await app().app.inject({ method, url, payload }), 401, 'UNAUTHENTICATED');
      assertError(await app().app.inject({ method, url, payload, headers: { cookie } }), 403, 'FORBIDDEN');
    }
    assert.equal((await inviteRow(app(), invite.id)).revoked_at, null);
    const csrf = await app().app.inject({ method: 'POST', url: '/api/admin/invites', headers: { cookie: admin, origin: 'https://evil.example' }, payload: {} });
    assertError(csrf, 403, 'CSRF');
  });

  test('making links is rate limited per admin: 429 RATE_LIMITED with Retry-After', async () => {
    const [{ n }] = (await app().adapters.db.query<{ n: number }>('select count(*)::int as n from invites where created_by is not null')) as [{ n: number }];
    let res: LightMyRequestResponse | undefined;
    for (let i = n; i <= INVITE_LIMITS.createPerAdmin.limit; i++) {
      res = await app().app.inject({ method: 'POST', url: '/api/admin/invites', headers: { cookie: admin }, payload: {} });
      if (res.statusCode !== 201) break;
    }
    assertError(res!, 429, 'RATE_LIMITED');
    assert.ok(Number(res!.headers['retry-after']) > 0);
  });

  test('the API is documented', async () => {
    const docs = (await app().app.inject({ method: 'GET', url: '/docs/json' })).json();
    assert.ok(docs.paths['/api/admin/invites'].post.responses['201']);
    assert.ok(docs.paths['/api/admin/invites'].get.responses['200']);
    assert.ok(docs.paths['/api/admin/invites/{id}'].delete);
    assert.ok(docs.paths['/api/auth/register'].post.requestBody.content['application/json'].schema.properties.invite);
    assert.deepEqual(docs.paths['/api/instance'].get.responses['200'].content['application/json'].schema.properties.registration.anyOf.map((s: { const?: string; enum?: string[] }) => s.const ?? s.enum?.[0]), ['open', 'invite', 'closed']);
  });
});

describe('with PUBLIC_URL', () => {
  const app = useApp({ REGISTRATION: 'invite', PUBLIC_URL: 'https://photos.example.org' });

  test('links point at it, whatever host the request names', async () => {
    const admin = await firstAdmin(app());
    const invite = await createInvite(app(), admin, {}, { host: 'internal:3000' });
    assert.match(invite.url!, /^https:\/\/photos\.example\.org\/register\?invite=[\w-]{43}$/);
  });
});

/**
 * Ten registrations race for the last use of an invite through a real listening server: exactly one
 * gets it, the rest are told the invite is used up, and the use is counted once.
 */
async function raceForTheLastUse(app: TestApp): Promise<void> {
  const base = await app.listen();
  const admin = await firstAdmin(app);
  const invite = await createInvite(app, admin, { uses: 1 });
  const invite2 = await createInvite(app, admin, { uses: 2 });
  for (const [inv, winners] of [
    [invite, 1],
    [invite2, 2],
  ] as const) {
    const results = await Promise.all(
      Array.from({ length: 10 }, (_, i) =>
        fetch(`${base}/api/auth/register`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ username: `racer_${inv.id}_${i}`, password: PASSWORD, invite: tokenOf(inv) }),
        }).then(async (res) => ({ status: res.status, body: (await res.json()) as { error?: { code: string } } })),
      ),
    );
    const created = results.filter((r) => r.status === 201);
    assert.equal(created.length, winners, JSON.stringify(results));
    for (const r of results.filter((r) => r.status !== 201)) assert.deepEqual([r.status, r.body.error?.code], [403, 'INVITE_INVALID']);
    assert.equal((await inviteRow(app, inv.id)).uses, winners);
    const [row] = await app.adapters.db.query<{ n: number }>('select count(*)::int as n from users where invite_id = $1', [inv.id]);
    assert.equal(row!.n, winners);
  }
}

test('embedded: 10 parallel registrations for a 1-use invite make exactly one account (and 2 for a 2-use one)', async (t) => {
  await raceForTheLastUse(await buildTestApp(t, { REGISTRATION: 'invite' }));
});

if (await servicesUp(['postgres', 'redis', 'amqp'])) {
  const prefix = `strobe-test:${RUN_ID}:invites:`;
  after(() => deleteRedisKeys(prefix));

  test('cluster (PostgreSQL): the same race, where the registrations really run at once', { timeout: 120_000 }, async (t) => {
    const [pg, vhost] = await Promise.all([freshPostgres(), freshVhost()]);
    const app = await buildTestApp(null, {
      DATABASE_URL: pg.url,
      REDIS_URL: SERVICES.redis,
      AMQP_URL: vhost.url,
      REDIS_PREFIX: prefix,
      SESSION_SECRET: 'a-session-secret-of-at-least-32-characters',
    });
    t.after(async () => {
      await app.close();
      await Promise.all([pg.dispose(), vhost.dispose()]);
    });
    assert.equal(app.config.registration, 'invite', 'the cluster default');
    await raceForTheLastUse(app);
  });
}

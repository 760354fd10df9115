// Roles and the sign-in side of suspensions: the moderator role on the viewer and GET /api/me, the
// staff API for admins (list, set a role; the audit log; open sockets reconnect with the new rights),
// `strobe admin grant|revoke --role moderator`, and suspended users, who cannot sign in and whose old
// cookies open nothing.
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { after, before, describe, test, type TestContext } from 'node:test';
import type { LightMyRequestResponse } from 'fastify';
import { openAdapters } from '../../src/adapters/index.js';
import { loadConfig } from '../../src/config.js';
import { runAdmin } from '../../src/features/accounts/admin.cli.js';
import { isStaff, type Viewer } from '../../src/features/accounts/viewer.js';
import { STAFF_LIMITS } from '../../src/features/staff/staff.service.js';
import type { SubscribeAck } from '../../src/shared/realtime.js';
import type { StaffMember } from '../../src/shared/community.js';
import { buildTestApp, cookieFrom, register, type TestApp } from '../helpers/app.js';
import { freshDataDir } from '../helpers/data-dir.js';
import { connect } from '../helpers/sockets.js';

const PASSWORD = 'correct horse';

function assertError(res: LightMyRequestResponse, status: number, code: string): void {
  assert.equal(res.statusCode, status, `expected ${status} ${code}, got ${res.statusCode} ${res.body}`);
  assert.equal((res.json() as { error?: { code?: string } }).error?.code, code, res.body);
}

function useApp(env: Record<string, string> = {}): () => TestApp {
  let app: TestApp | undefined;
  before(async () => {
    app = await buildTestApp(null, env);
  });
  after(() => app?.close());
  return () => app!;
}

const me = (app: TestApp, cookie: string) => app.app.inject({ method: 'GET', url: '/api/me', headers: { cookie } });
const setRole = (app: TestApp, cookie: string | undefined, username: string, role: unknown) =>
  app.app.inject({ method: 'PUT', url: `/api/admin/users/${username}/role`, headers: cookie ? { cookie } : {}, payload: { role } });
const staffList = async (app: TestApp, cookie: string) => {
  const res = await app.app.inject({ method: 'GET', url: '/api/admin/staff', headers: { cookie } });
  assert.equal(res.statusCode, 200, res.body);
  return res.json<{ items: StaffMember[] }>().items;
};
const roleActions = (app: TestApp) =>
  app.adapters.db.query<{ actor: string | null; target: string; reason: string; target_type: string }>(
    `select a.username as actor, t.username as target, m.reason, m.target_type from moderation_actions m
     left join users a on a.id = m.actor_id join users t on t.id = m.target_user_id where m.action = 'role' order by m.id`,
  );

test('isStaff: admins and moderators', () => {
  const base: Viewer = { id: '1', username: 'x', displayName: 'x', bio: '', avatar: null, isAdmin: false, isModerator: false };
  assert.equal(isStaff(null), false);
  assert.equal(isStaff(base), false);
  assert.equal(isStaff({ ...base, isModerator: true }), true);
  assert.equal(isStaff({ ...base, isAdmin: true }), true);
});

describe('roles over HTTP', () => {
  const app = useApp({ ADMIN_USERS: 'boss' });
  let root: { cookie: string; id: string };
  let bob: { cookie: string; id: string };
  let published: { stream: string; type: string; data: unknown }[];
  before(async () => {
    root = await register(app(), 'root');
    bob = await register(app(), 'bob');
    await register(app(), 'boss');
    published = [];
    const bus = app().adapters.bus;
    const publish = bus.publish.bind(bus);
    bus.publish = async (stream, type, data, opts) => {
      published.push({ stream, type, data });
      return publish(stream, type, data, opts);
    };
  });

  test('GET /api/me says isModerator (false for everyone at first)', async () => {
    const res = await me(app(), bob.cookie);
    assert.deepEqual(Object.keys(res.json().user).sort(), ['avatar', 'bio', 'displayName', 'id', 'isAdmin', 'isModerator', 'username']);
    assert.equal(res.json().user.isModerator, false);
  });

  test('the staff list: admins (by ADMIN_USERS too), admins first', async () => {
    const items = await staffList(app(), root.cookie);
    assert.deepEqual(
      items.map((m) => [m.user.username, m.role, m.byConfig]),
      [
        ['boss', 'admin', true],
        ['root', 'admin', false],
      ],
    );
  });

  test('an admin makes bob a moderator: 200, /api/me says so, the audit log has it, his sockets are told', async () => {
    const res = await setRole(app(), root.cookie, 'bob', 'moderator');
    assert.equal(res.statusCode, 200, res.body);
    assert.equal(res.json().role, 'moderator');
    assert.equal(res.json().changed, true);
    assert.equal(res.json().user.username, 'bob');
    assert.equal((await me(app(), bob.cookie)).json().user.isModerator, true);
    assert.deepEqual(
      (await staffList(app(), root.cookie)).map((m) => [m.user.username, m.role]),
      [
        ['boss', 'admin'],
        ['root', 'admin'],
        ['bob', 'moderator'],
      ],
    );
    assert.deepEqual(await roleActions(app()), [{ actor: 'root', target: 'bob', reason: 'moderator', target_type: 'user' }]);
    assert.deepEqual(published, [{ stream: 'sessions', type: 'user.changed', data: { userId: bob.id } }]);
  });

  test('the same role again changes nothing: changed false, no audit row, nobody told', async () => {
    const res = await setRole(app(), root.cookie, 'bob', 'moderator');
    assert.equal(res.json().changed, false);
    assert.equal((await roleActions(app())).length, 1);
    assert.equal(published.length, 1);
  });

  test('a moderator is not an admin: 403 on the staff API and on invites', async () => {
    assertError(await setRole(app(), bob.cookie, 'root', 'member'), 403, 'FORBIDDEN');
    assertError(await app().app.inject({ method: 'GET', url: '/api/admin/staff', headers: { cookie: bob.cookie } }), 403, 'FORBIDDEN');
    assertError(await app().app.inject({ method: 'GET', url: '/api/admin/staff' }), 401, 'UNAUTHENTICATED');
    assertError(await setRole(app(), undefined, 'bob', 'member'), 401, 'UNAUTHENTICATED');
  });

  test('admin, then member again', async () => {
    assert.equal((await setRole(app(), root.cookie, 'bob', 'admin')).statusCode, 200);
    const admin = (await me(app(), bob.cookie)).json().user;
    assert.deepEqual([admin.isAdmin, admin.isModerator], [true, false], 'one role at a time');
    assert.equal((await setRole(app(), root.cookie, 'bob', 'member')).statusCode, 200);
    const member = (await me(app(), bob.cookie)).json().user;
    assert.deepEqual([member.isAdmin, member.isModerator], [false, false]);
    assert.deepEqual((await roleActions(app())).map((a) => a.reason), ['moderator', 'admin', 'member']);
    assert.equal(published.length, 3);
  });

  test('an admin cannot demote themselves (400), nor an ADMIN_USERS admin (409); unknown users 404; bad input 400', async () => {
    assertError(await setRole(app(), root.cookie, 'root', 'moderator'), 400, 'BAD_REQUEST');
    assertError(await setRole(app(), root.cookie, 'root', 'member'), 400, 'BAD_REQUEST');
    assert.equal((await setRole(app(), root.cookie, 'root', 'admin')).json().changed, false);
    const conflict = await setRole(app(), root.cookie, 'boss', 'member');
    assertError(conflict, 409, 'CONFLICT');
    assert.match(conflict.json().error.message, /ADMIN_USERS/);
    assertError(await setRole(app(), root.cookie, 'nobody_here', 'moderator'), 404, 'NOT_FOUND');
    assertError(await setRole(app(), root.cookie, 'Bob', 'moderator'), 400, 'VALIDATION');
    assertError(await setRole(app(), root.cookie, 'bob', 'owner'), 400, 'VALIDATION');
    assertError(await setRole(app(), root.cookie, 'bob', null), 400, 'VALIDATION');
    const csrf = await app().app.inject({ method: 'PUT', url: '/api/admin/users/bob/role', headers: { cookie: root.cookie, origin: 'https://evil.example' }, payload: { role: 'admin' } });
    assertError(csrf, 403, 'CSRF');
    assert.equal((await me(app(), bob.cookie)).json().user.isAdmin, false);
  });

  test('an admin demoted a moment ago cannot change roles any more', async () => {
    await setRole(app(), root.cookie, 'bob', 'admin');
    assert.equal((await setRole(app(), bob.cookie, 'root', 'moderator')).statusCode, 200, 'admins may demote each other');
    assertError(await setRole(app(), root.cookie, 'bob', 'member'), 403, 'FORBIDDEN');
    assert.equal((await setRole(app(), bob.cookie, 'root', 'admin')).statusCode, 200);
  });

  test('role changes are rate limited per admin', async () => {
    let res: LightMyRequestResponse | undefined;
    for (let i = 0; i <= STAFF_LIMITS.roleChangesPerAdmin.limit; i++) {
      res = await setRole(app(), root.cookie, 'bob', i % 2 ? 'member' : 'moderator');
      if (res.statusCode !== 200) break;
    }
    assertError(res!, 429, 'RATE_LIMITED');
  });

  test('documented', async () => {
    const docs = (await app().app.inject({ method: 'GET', url: '/docs/json' })).json();
    assert.ok(docs.paths['/api/admin/staff'].get.responses['200']);
    assert.ok(docs.paths['/api/admin/users/{username}/role'].put.responses['200']);
    assert.ok(docs.paths['/api/me'].get.responses['200'].content['application/json'].schema.properties.user.properties.isModerator);
  });
});

test("a role change over HTTP drops the user's open sockets, which reconnect with the new rights", { timeout: 30_000 }, async (t) => {
  const app = await buildTestApp(t);
  await app.listen();
  const root = await register(app, 'root');
  const other = await register(app, 'other');
  assert.equal((await setRole(app, root.cookie, 'other', 'admin')).statusCode, 200);
  const socket = await connect(app.url, other.cookie, { reconnection: true });
  t.after(() => socket.close());
  const ok: SubscribeAck = await socket.socket.timeout(5_000).emitWithAck('subscribe', { stream: 'system' });
  assert.equal(ok.ok, true);
  const reconnected = new Promise<void>((resolve) => socket.socket.io.once('reconnect', () => resolve()));
  assert.equal((await setRole(app, root.cookie, 'other', 'member')).statusCode, 200);
  await reconnected;
  const again: SubscribeAck = await socket.socket.timeout(5_000).emitWithAck('subscribe', { stream: 'system' });
  assert.deepEqual(again.ok ? 'ok' : again.error.code, 'FORBIDDEN');
});

describe('suspended users', () => {
  const app = useApp();
  let carol: { cookie: string; id: string };
  const login = (password = PASSWORD) => app().app.inject({ method: 'POST', url: '/api/auth/login', payload: { username: 'carol', password } });
  const suspend = (until: string | null) => app().adapters.db.query('update users set suspended_until = $2::timestamptz where id = $1', [carol.id, until]);
  before(async () => {
    await register(app(), 'root');
    carol = await register(app(), 'carol');
  });

  test('cannot sign in: 403 SUSPENDED, the end in the message (ISO and words); a wrong password is still 401', async () => {
    await suspend('2099-05-01T12:30:00Z');
    const res = await login();
    assertError(res, 403, 'SUSPENDED');
    const message: string = res.json().error.message;
    assert.match(message, /2099-05-01T12:30:00\.000Z/);
    assert.match(message, /Friday,? 1 May 2099,? (at )?12:30 UTC/);
    assert.equal(res.headers['set-cookie'], undefined, 'no session');
    assertError(await login('wrong password'), 401, 'BAD_CREDENTIALS');
  });

  test('indefinitely: the message says so', async () => {
    await suspend('infinity');
    const res = await login();
    assertError(res, 403, 'SUSPENDED');
    assert.match(res.json().error.message, /indefinitely/);
  });

  test('an old cookie opens nothing while it lasts: 401 on every request, an anonymous socket', async () => {
    assertError(await me(app(), carol.cookie), 401, 'UNAUTHENTICATED');
    assertError(await app().app.inject({ method: 'PATCH', url: '/api/me', headers: { cookie: carol.cookie }, payload: { bio: 'x' } }), 401, 'UNAUTHENTICATED');
    const url = await app().listen();
    const socket = await connect(url, carol.cookie);
    try {
      const ack: SubscribeAck = await socket.socket.timeout(5_000).emitWithAck('subscribe', { stream: 'user' });
      assert.equal(ack.ok ? 'ok' : ack.error.code, 'UNAUTHENTICATED');
    } finally {
      socket.close();
    }
  });

  test('once it is over (or lifted) the same cookie works again, and so does signing in', async () => {
    await suspend(new Date(Date.now() - 1000).toISOString());
    assert.equal((await me(app(), carol.cookie)).statusCode, 200);
    assert.equal((await login()).statusCode, 200);
    await suspend(null);
    const res = await login();
    assert.equal(res.statusCode, 200);
    assert.equal((await me(app(), cookieFrom(res.headers['set-cookie']))).json().user.username, 'carol');
  });
});

describe('strobe admin grant|revoke --role moderator', () => {
  async function cli(t: TestContext) {
    const dataDir = await freshDataDir();
    t.after(() => rmSync(dataDir, { recursive: true, force: true }));
    const out: string[] = [];
    const err: string[] = [];
    const published: { type: string; data: unknown }[] = [];
    const config = loadConfig({ DATA_DIR: dataDir, LOG_LEVEL: 'silent' });
    const query = async <T,>(sql: string, params: unknown[] = []) => {
      const adapters = await openAdapters(config);
      try {
        return await adapters.db.query<T>(sql, params);
      } finally {
        await adapters.close();
      }
    };
    const admin = (args: string[]) => {
      out.length = 0;
      err.length = 0;
      return runAdmin(args, {
        config,
        env: { STROBE_ADMIN_PASSWORD: 'correct horse' },
        out: (l) => out.push(l),
        err: (l) => err.push(l),
        async open(cfg) {
          const adapters = await openAdapters(cfg);
          const publish = adapters.bus.publish.bind(adapters.bus);
          adapters.bus.publish = async (stream, type, data, opts) => {
            published.push({ type, data });
            return publish(stream, type, data, opts);
          };
          return adapters;
        },
      });
    };
    return { admin, out, err, published, query };
  }

  test('grant and revoke the moderator role; each change is audited (no actor) and tells the instances', async (t) => {
    const c = await cli(t);
    assert.equal(await c.admin(['create', 'root']), 0);
    await c.query(`insert into users (username, password_hash) values ('erin', 'x')`);
    const [erin] = await c.query<{ id: string }>(`select id::text as id from users where username = 'erin'`);

    assert.equal(await c.admin(['grant', 'erin', '--role', 'moderator']), 0);
    assert.deepEqual(c.out, ['strobe: erin is now a moderator']);
    assert.deepEqual(c.published, [{ type: 'user.changed', data: { userId: erin!.id } }]);
    assert.equal(await c.admin(['grant', 'erin', '--role=moderator']), 0);
    assert.deepEqual(c.out, ['strobe: erin already is a moderator']);
    assert.equal(c.published.length, 1);
    const [flags] = await c.query<{ is_admin: boolean; is_moderator: boolean }>(`select is_admin, is_moderator from users where username = 'erin'`);
    assert.deepEqual({ ...flags }, { is_admin: false, is_moderator: true });

    assert.equal(await c.admin(['revoke', 'erin', '--role', 'moderator']), 0);
    assert.deepEqual(c.out, ['strobe: erin is no longer a moderator']);
    assert.equal(await c.admin(['revoke', 'erin', '--role', 'moderator']), 0);
    assert.deepEqual(c.out, ['strobe: erin was not a moderator']);
    assert.equal(c.published.length, 2);

    // The default role stays admin.
    assert.equal(await c.admin(['grant', 'erin']), 0);
    assert.deepEqual(c.out, ['strobe: erin is now an admin']);
    const audit = await c.query<{ actor_id: string | null; reason: string }>(`select actor_id, reason from moderation_actions where action = 'role' order by id`);
    assert.deepEqual(audit.map((a) => ({ ...a })), [
      { actor_id: null, reason: 'moderator' },
      { actor_id: null, reason: 'member' },
      { actor_id: null, reason: 'admin' },
    ]);
  });

  test('bad arguments: usage (exit 2); an unknown account: exit 1', async (t) => {
    const c = await cli(t);
    assert.equal(await c.admin(['grant', 'erin', '--role', 'owner']), 2);
    assert.match(c.err.join('\n'), /--role is admin or moderator/);
    assert.equal(await c.admin(['grant', 'erin', '--roles', 'moderator']), 2);
    assert.match(c.err.join('\n'), /usage: strobe admin/);
    assert.equal(await c.admin(['grant', 'erin', 'moderator']), 2);
    assert.equal(await c.admin(['create', 'erin', '--role', 'moderator']), 2);
    assert.match(c.err.join('\n'), /grant USERNAME --role moderator/);
    assert.equal(await c.admin(['grant', 'nobody', '--role', 'moderator']), 1);
    assert.match(c.err.join('\n'), /no account nobody/);
  });
});

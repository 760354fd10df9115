// Accounts over HTTP (in-process, app.inject): register, sessions, login rotation, logout, the admin
// seat, input validation, CSRF, rate limits and device cookies, and what is stored. Assertions are
// on status and `error.code`.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { LightMyRequestResponse } from 'fastify';
import { ACCOUNT_LIMITS } from '../../src/features/accounts/accounts.service.js';
import { buildTestApp, cookieFrom, register, type TestApp } from '../helpers/app.js';

const PASSWORD = 'correct horse';

type Headers = Record<string, string>;

/** One app per describe block: building one takes about a second. */
function useApp(env: Record<string, string> = {}): () => TestApp {
  let app: TestApp | undefined;
  before(async () => {
    app = await buildTestApp(null, env);
  });
  after(() => app?.close());
  return () => app!;
}

function post(app: TestApp, url: string, payload?: unknown, headers: Headers = {}, remoteAddress?: string) {
  return app.app.inject({
    method: 'POST',
    url,
    headers,
    ...(payload === undefined ? {} : { payload: payload as Record<string, unknown> }),
    ...(remoteAddress ? { remoteAddress } : {}),
  });
}

function login(app: TestApp, username: string, password: string, headers: Headers = {}, remoteAddress?: string) {
  return post(app, '/api/auth/login', { username, password }, headers, remoteAddress);
}

function me(app: TestApp, cookie?: string) {
  return app.app.inject({ method: 'GET', url: '/api/me', headers: cookie ? { cookie } : {} });
}

function errorCode(res: LightMyRequestResponse): string | undefined {
  return (res.json() as { error?: { code?: string } }).error?.code;
}

function assertError(res: LightMyRequestResponse, status: number, code: string): void {
  assert.equal(res.statusCode, status, `expected ${status} ${code}, got ${res.statusCode} ${res.body}`);
  assert.equal(errorCode(res), code, res.body);
}

/** The Set-Cookie line for a cookie (the session cookie unless named), split into its attributes (lower-cased names). */
function sessionCookie(res: LightMyRequestResponse, name = 'strobe_sid'): { value: string; attrs: Map<string, string> } {
  const raw = res.headers['set-cookie'];
  const lines = Array.isArray(raw) ? raw : raw ? [raw] : [];
  const line = lines.find((l) => l.startsWith(`${name}=`));
  assert.ok(line, `no ${name} Set-Cookie in ${JSON.stringify(raw)}`);
  const [pair, ...rest] = line.split(';').map((s) => s.trim());
  const attrs = new Map(
    rest.map((a) => {
      const eq = a.indexOf('=');
      return eq === -1 ? [a.toLowerCase(), ''] : [a.slice(0, eq).toLowerCase(), a.slice(eq + 1)];
    }),
  );
  return { value: pair!.slice(name.length + 1), attrs };
}

/** The device cookie a sign-in set, ready to send back. */
function deviceCookie(res: LightMyRequestResponse): string {
  return `strobe_device=${sessionCookie(res, 'strobe_device').value}`;
}

async function userCount(app: TestApp): Promise<number> {
  const [row] = await app.adapters.db.query<{ n: number }>('select count(*)::int as n from users');
  return row!.n;
}

describe('register, sign-in state and sessions', () => {
  const app = useApp();

  test('register answers 201 {user} and sets an HttpOnly, SameSite=Lax session cookie on /', async () => {
    const res = await post(app(), '/api/auth/register', { username: 'alice', password: PASSWORD });
    assert.equal(res.statusCode, 201, res.body);
    const body = res.json() as { user: { id: string; username: string; isAdmin: boolean } };
    assert.deepEqual(Object.keys(body), ['user']);
    assert.deepEqual(Object.keys(body.user).sort(), ['avatar', 'bio', 'displayName', 'id', 'isAdmin', 'isModerator', 'username']);
    assert.equal(typeof body.user.id, 'string');
    assert.equal(body.user.username, 'alice');
    assert.equal(body.user.isAdmin, true, 'the first account is an admin');

    const { value, attrs } = sessionCookie(res);
    assert.ok(value.length >= 32, 'the session id is long and random');
    assert.ok(attrs.has('httponly'), 'HttpOnly');
    assert.equal(attrs.get('samesite')?.toLowerCase(), 'lax');
    assert.equal(attrs.get('path'), '/');
    assert.ok(!attrs.has('secure'), 'no Secure flag over plain http');
    assert.ok(Number(attrs.get('max-age')) > 24 * 3600, 'the cookie outlives the browser session');

    const who = await me(app(), cookieFrom(res.headers['set-cookie']));
    assert.equal(who.statusCode, 200);
    assert.deepEqual(who.json(), body);
  });

  test('the second account is not an admin', async () => {
    const res = await post(app(), '/api/auth/register', { username: 'bob', password: PASSWORD });
    assert.equal(res.statusCode, 201, res.body);
    assert.equal(res.json().user.isAdmin, false);
  });

  test('GET /api/me: 401 UNAUTHENTICATED without a cookie or with a cookie that opens no session', async () => {
    assertError(await me(app()), 401, 'UNAUTHENTICATED');
    for (const cookie of [
      'strobe_sid=garbage',
      'strobe_sid=',
      `strobe_sid=${'A'.repeat(43)}`, // the right shape, but no such session
      'strobe_sid=%E0%A4%A', // broken percent-encoding
      'other=1',
    ]) {
      assertError(await me(app(), cookie), 401, 'UNAUTHENTICATED');
    }
  });

  test('login answers 200 {user} and rotates the session: the cookie sent with it stops working', async () => {
    const { cookie: old } = await register(app(), 'carol', PASSWORD);
    assert.equal((await me(app(), old)).statusCode, 200);

    const res = await login(app(), 'carol', PASSWORD, { cookie: old });
    assert.equal(res.statusCode, 200, res.body);
    assert.equal(res.json().user.username, 'carol');
    assert.equal(res.json().user.isAdmin, false);
    const fresh = cookieFrom(res.headers['set-cookie']);
    assert.notEqual(fresh, old, 'a new session id at login');
    assert.ok(sessionCookie(res).attrs.has('httponly'));

    assert.equal((await me(app(), fresh)).statusCode, 200);
    assertError(await me(app(), old), 401, 'UNAUTHENTICATED');
  });

  test('login: wrong password and unknown user are both 401 BAD_CREDENTIALS, and set no cookie', async () => {
    await register(app(), 'dave', PASSWORD);
    const wrong = await login(app(), 'dave', 'not the password');
    assertError(wrong, 401, 'BAD_CREDENTIALS');
    assert.equal(wrong.headers['set-cookie'], undefined);
    const unknown = await login(app(), 'nobody_here', PASSWORD);
    assertError(unknown, 401, 'BAD_CREDENTIALS');
    assert.equal(unknown.headers['set-cookie'], undefined);
  });

  test('login with a username no account can have (a NUL, a lone surrogate) is 401 BAD_CREDENTIALS, not a 500', async () => {
    for (const username of ['dave\\u0000', '\\ud800', 'a\\udc00b', '\\u0000']) {
      const res = await post(app(), '/api/auth/login', `{"username":"${username}","password":"not the password"}`, { 'content-type': 'application/json' });
      assertError(res, 401, 'BAD_CREDENTIALS');
    }
  });

  test('logout answers 204, after which the cookie is worthless', async () => {
    const { cookie } = await register(app(), 'erin', PASSWORD);
    // Logging out takes a POST.
    assert.equal((await app().app.inject({ method: 'GET', url: '/api/auth/logout', headers: { cookie } })).statusCode, 404);
    assert.equal((await me(app(), cookie)).statusCode, 200);

    const res = await post(app(), '/api/auth/logout', undefined, { cookie });
    assert.equal(res.statusCode, 204);
    const cleared = sessionCookie(res);
    assert.equal(cleared.value, '', 'logout clears the cookie');
    assertError(await me(app(), cookie), 401, 'UNAUTHENTICATED');
    // Logging out again, or without a session at all, is harmless.
    assert.equal((await post(app(), '/api/auth/logout', undefined, { cookie })).statusCode, 204);
    assert.equal((await post(app(), '/api/auth/logout')).statusCode, 204);
  });

  test('passwords are stored as argon2id hashes, never in clear', async () => {
    const rows = await app().adapters.db.query<{ username: string; password_hash: string }>(
      'select username, password_hash from users',
    );
    assert.ok(rows.length >= 2);
    for (const row of rows) {
      assert.match(row.password_hash, /^\$argon2id\$/, `${row.username}'s hash`);
      assert.ok(!row.password_hash.includes(PASSWORD));
    }
  });

  test('the sessions table does not hold the raw cookie value', async () => {
    const { cookie } = await register(app(), 'frank', PASSWORD);
    const sid = cookie.slice('strobe_sid='.length);
    const rows = await app().adapters.db.query<Record<string, unknown>>('select * from sessions');
    assert.ok(rows.length > 0);
    const dump = JSON.stringify(rows);
    assert.ok(!dump.includes(sid), 'the session id appears in the sessions table');
  });
});

describe('ADMIN_USERS', () => {
  const app = useApp({ ADMIN_USERS: 'bob' });

  test('names admins beyond the first account', async () => {
    const first = await post(app(), '/api/auth/register', { username: 'alice', password: PASSWORD });
    assert.equal(first.json().user.isAdmin, true);
    const bob = await post(app(), '/api/auth/register', { username: 'bob', password: PASSWORD });
    assert.equal(bob.statusCode, 201);
    assert.equal(bob.json().user.isAdmin, true);
    const carol = await post(app(), '/api/auth/register', { username: 'carol', password: PASSWORD });
    assert.equal(carol.json().user.isAdmin, false);

    const who = await me(app(), cookieFrom(bob.headers['set-cookie']));
    assert.equal(who.json().user.isAdmin, true);
  });
});

describe('the admin seat: only someone at the machine takes it', () => {
  const app = useApp();

  async function instance(): Promise<unknown> {
    const res = await app().app.inject({ method: 'GET', url: '/api/instance' });
    assert.equal(res.statusCode, 200, res.body);
    return res.json();
  }

  async function registerFrom(username: string, remoteAddress: string, headers: Headers = {}): Promise<boolean> {
    const res = await post(app(), '/api/auth/register', { username, password: PASSWORD }, headers, remoteAddress);
    assert.equal(res.statusCode, 201, res.body);
    return res.json().user.isAdmin as boolean;
  }

  test('the first account registered from elsewhere is an ordinary one, and GET /api/instance says there is no admin', async () => {
    assert.deepEqual(await instance(), { hasAdmin: false, registration: 'open' });
    assert.equal(await registerFrom('early_bird', '203.0.113.7'), false);
    assert.equal(await registerFrom('early_bird6', '2001:db8::7'), false);
    assert.deepEqual(await instance(), { hasAdmin: false, registration: 'open' });
  });

  test('a loopback address that a proxy forwards for someone else is not this machine', async () => {
    // A reverse proxy on the same host, not declared in TRUST_PROXY: every visitor comes from 127.0.0.1.
    assert.equal(await registerFrom('proxied_1', '127.0.0.1', { 'x-forwarded-for': '203.0.113.8' }), false);
    assert.equal(await registerFrom('proxied_2', '127.0.0.1', { 'x-forwarded-for': '127.0.0.1, 203.0.113.8' }), false);
    assert.equal(await registerFrom('proxied_3', '127.0.0.1', { 'x-real-ip': '203.0.113.8' }), false);
    assert.equal(await registerFrom('proxied_4', '127.0.0.1', { forwarded: 'for=203.0.113.8' }), false);
    assert.deepEqual(await instance(), { hasAdmin: false, registration: 'open' });
  });

  test('then the first account registered from the machine itself becomes the admin, and only that one', async () => {
    const owner = await post(app(), '/api/auth/register', { username: 'owner', password: PASSWORD }, {}, '127.0.0.1');
    assert.equal(owner.statusCode, 201, owner.body);
    assert.equal(owner.json().user.isAdmin, true);
    assert.equal((await me(app(), cookieFrom(owner.headers['set-cookie']))).json().user.isAdmin, true);
    assert.deepEqual(await instance(), { hasAdmin: true, registration: 'open' });
    assert.equal(await registerFrom('second_local', '127.0.0.1'), false);
    assert.equal(await registerFrom('third_local', '::1'), false);
  });

  test('GET /api/instance is public, and documented', async () => {
    const docs = await app().app.inject({ method: 'GET', url: '/docs/json' });
    const op = docs.json().paths['/api/instance']?.get;
    assert.ok(op, 'GET /api/instance is in the OpenAPI document');
    const schema = op.responses['200'].content['application/json'].schema;
    assert.deepEqual(Object.keys(schema.properties), ['hasAdmin', 'registration']);
    assert.equal(schema.properties.hasAdmin.type, 'boolean');
  });
});

describe('the admin seat over IPv6 loopback', () => {
  const app = useApp();

  test('::1 is the machine too', async () => {
    const res = await post(app(), '/api/auth/register', { username: 'owner6', password: PASSWORD }, {}, '::1');
    assert.equal(res.json().user.isAdmin, true);
  });
});

describe('the admin seat behind a trusted proxy', () => {
  const app = useApp({ TRUST_PROXY: '127.0.0.1' });

  test('the forwarded client address decides, not the proxy’s', async () => {
    const remote = await post(app(), '/api/auth/register', { username: 'remote', password: PASSWORD }, { 'x-forwarded-for': '203.0.113.9' }, '127.0.0.1');
    assert.equal(remote.json().user.isAdmin, false);
    // What HAProxy sends for a browser on its own machine (deploy/haproxy.cfg sets the header to the source).
    const local = await post(app(), '/api/auth/register', { username: 'local', password: PASSWORD }, { 'x-forwarded-for': '127.0.0.1' }, '127.0.0.1');
    assert.equal(local.json().user.isAdmin, true);
  });
});

describe('the admin seat when ADMIN_USERS names an account', () => {
  const app = useApp({ ADMIN_USERS: 'named_admin' });

  test('an account named in ADMIN_USERS fills it: the next one from the machine is ordinary', async () => {
    assert.deepEqual((await app().app.inject({ method: 'GET', url: '/api/instance' })).json(), { hasAdmin: false, registration: 'open' });
    const named = await post(app(), '/api/auth/register', { username: 'named_admin', password: PASSWORD }, {}, '203.0.113.10');
    assert.equal(named.json().user.isAdmin, true);
    assert.deepEqual((await app().app.inject({ method: 'GET', url: '/api/instance' })).json(), { hasAdmin: true, registration: 'open' });
    const local = await post(app(), '/api/auth/register', { username: 'local', password: PASSWORD }, {}, '127.0.0.1');
    assert.equal(local.json().user.isAdmin, false);
  });
});

describe('registration refuses bad input and creates nothing', () => {
  const app = useApp();

  before(async () => {
    await register(app(), 'existing', PASSWORD);
  });

  /** Runs a bad registration, checks status and code, and that no user appeared. */
  async function refused(
    request: { payload?: string | Record<string, unknown>; headers?: Headers },
    status: number,
    code: string,
  ): Promise<void> {
    const count = await userCount(app());
    const res = await app().app.inject({
      method: 'POST',
      url: '/api/auth/register',
      headers: request.headers ?? {},
      ...(request.payload === undefined ? {} : { payload: request.payload }),
    });
    assertError(res, status, code);
    assert.equal(res.headers['set-cookie'], undefined, 'no session for a refused registration');
    assert.equal(await userCount(app()), count, 'a refused registration created a user');
  }

  const json = { 'content-type': 'application/json' };

  test('malformed JSON: 400 INVALID_JSON', async () => {
    await refused({ payload: '{"username": "mallory", "password": ', headers: json }, 400, 'INVALID_JSON');
    await refused({ payload: "{'username': 'mallory'}", headers: json }, 400, 'INVALID_JSON');
  });

  test('wrong types: 400 VALIDATION (nothing is coerced)', async () => {
    await refused({ payload: { username: 123, password: PASSWORD } }, 400, 'VALIDATION');
    await refused({ payload: { username: 'typed_user', password: true } }, 400, 'VALIDATION');
    await refused({ payload: { username: 'typed_user', password: 12345678 } }, 400, 'VALIDATION');
    await refused({ payload: { username: ['typed_user'], password: PASSWORD } }, 400, 'VALIDATION');
    await refused({ payload: '[]', headers: json }, 400, 'VALIDATION');
    await refused({ payload: '"typed_user"', headers: json }, 400, 'VALIDATION');
    await refused({ payload: 'null', headers: json }, 400, 'VALIDATION');
  });

  test('missing fields: 400 VALIDATION', async () => {
    await refused({ payload: {} }, 400, 'VALIDATION');
    await refused({ payload: { username: 'lonely_user' } }, 400, 'VALIDATION');
    await refused({ payload: { password: PASSWORD } }, 400, 'VALIDATION');
  });

  test('empty body: 400', async () => {
    await refused({ headers: json }, 400, 'VALIDATION');
    await refused({ payload: '', headers: json }, 400, 'VALIDATION');
    await refused({}, 400, 'VALIDATION');
  });

  test('usernames outside ^[a-z0-9_]{3,30}$ are refused, never case-folded', async () => {
    for (const username of ['Alice', 'ab', 'a'.repeat(31), 'a-b', 'a b', 'al.ice', 'ålice', ' alice', 'alice\n', '']) {
      await refused({ payload: { username, password: PASSWORD } }, 400, 'VALIDATION');
      const attempt = await login(app(), username.length ? username : 'x', PASSWORD, {}, '10.0.0.1');
      assert.equal(attempt.statusCode === 200, false, `could log in as ${JSON.stringify(username)}`);
    }
    // "Alice" was refused, not stored as "alice": registering "alice" creates a new user.
    const count = await userCount(app());
    const res = await post(app(), '/api/auth/register', { username: 'alice', password: PASSWORD });
    assert.equal(res.statusCode, 201, res.body);
    assert.equal(res.json().user.username, 'alice');
    assert.equal(await userCount(app()), count + 1);
    // Boundaries that are fine.
    for (const username of ['abc', 'a'.repeat(30), 'a_b_9']) {
      const ok = await post(app(), '/api/auth/register', { username, password: PASSWORD });
      assert.equal(ok.statusCode, 201, `${username}: ${ok.body}`);
    }
  });

  test('passwords outside 8..200 characters are refused', async () => {
    await refused({ payload: { username: 'short_pw', password: 'x'.repeat(7) } }, 400, 'VALIDATION');
    await refused({ payload: { username: 'long_pw', password: 'x'.repeat(201) } }, 400, 'VALIDATION');
    await refused({ payload: { username: 'empty_pw', password: '' } }, 400, 'VALIDATION');
    assertError(await login(app(), 'short_pw', 'x'.repeat(7), {}, '10.0.0.2'), 401, 'BAD_CREDENTIALS');
    const [stored] = await app().adapters.db.query<{ n: number }>(
      "select count(*)::int as n from users where username in ('short_pw', 'long_pw', 'empty_pw')",
    );
    assert.equal(stored!.n, 0);
    const edge = await post(app(), '/api/auth/register', { username: 'edge_pw', password: 'x'.repeat(200) });
    assert.equal(edge.statusCode, 201, edge.body);
    assert.equal((await login(app(), 'edge_pw', 'x'.repeat(200), {}, '10.0.0.2')).statusCode, 200);
  });

  test('a taken username: 409 USERNAME_TAKEN, the first account keeps its password', async () => {
    await refused({ payload: { username: 'existing', password: 'another password' } }, 409, 'USERNAME_TAKEN');
    assertError(await login(app(), 'existing', 'another password', {}, '10.0.0.3'), 401, 'BAD_CREDENTIALS');
    assert.equal((await login(app(), 'existing', PASSWORD, {}, '10.0.0.3')).statusCode, 200);
  });

  test('a body over 1 MB: 413 PAYLOAD_TOO_LARGE', async () => {
    const payload = JSON.stringify({ username: 'big_user', password: PASSWORD, padding: 'x'.repeat(1024 * 1024) });
    await refused({ payload, headers: json }, 413, 'PAYLOAD_TOO_LARGE');
  });

  const form = 'username=mallory&password=correct+horse';

  test('a form-encoded body: 415 UNSUPPORTED_MEDIA_TYPE', async () => {
    await refused({ payload: form, headers: { 'content-type': 'application/x-www-form-urlencoded' } }, 415, 'UNSUPPORTED_MEDIA_TYPE');
    await refused({ payload: form, headers: { 'content-type': 'multipart/form-data; boundary=x' } }, 415, 'UNSUPPORTED_MEDIA_TYPE');
  });

  test(
    'a text/plain body: 415 UNSUPPORTED_MEDIA_TYPE',
    async () => {
      await refused({ payload: form, headers: { 'content-type': 'text/plain' } }, 415, 'UNSUPPORTED_MEDIA_TYPE');
      await refused({ payload: '{"username":"mallory","password":"correct horse"}', headers: { 'content-type': 'text/plain' } }, 415, 'UNSUPPORTED_MEDIA_TYPE');
    },
  );

  test('a prototype-pollution body: 400, and nothing is polluted', async () => {
    const payload = `{"username": "proto_user", "password": "${PASSWORD}", "__proto__": {"isAdmin": true}}`;
    await refused({ payload, headers: json }, 400, 'INVALID_JSON');
    assert.equal(({} as Record<string, unknown>).isAdmin, undefined);
  });

  test('login refuses bad shapes with 400 and does not count them as attempts', async () => {
    assertError(await post(app(), '/api/auth/login', { username: 'existing' }), 400, 'VALIDATION');
    assertError(await post(app(), '/api/auth/login', { username: 1, password: PASSWORD }), 400, 'VALIDATION');
    assertError(await post(app(), '/api/auth/login', '{"username":', json), 400, 'INVALID_JSON');
    for (let i = 0; i < 12; i++) {
      assertError(await post(app(), '/api/auth/login', { username: 'existing' }, {}, '10.0.0.4'), 400, 'VALIDATION');
    }
    assert.equal((await login(app(), 'existing', PASSWORD, {}, '10.0.0.5')).statusCode, 200);
  });
});

describe('cross-site writes are refused (CSRF)', () => {
  const app = useApp();
  let cookie = '';

  before(async () => {
    ({ cookie } = await register(app(), 'alice', PASSWORD));
  });

  const credentials = { username: 'alice', password: PASSWORD };

  test('login with a foreign Origin: 403 CSRF', async () => {
    const res = await login(app(), 'alice', PASSWORD, { origin: 'http://evil.example' });
    assertError(res, 403, 'CSRF');
    assert.equal(res.headers['set-cookie'], undefined);
  });

  test('login with `Origin: null` (sandboxed frame): 403 CSRF', async () => {
    assertError(await login(app(), 'alice', PASSWORD, { origin: 'null' }), 403, 'CSRF');
  });

  test('an origin that only looks like ours is foreign', async () => {
    const host = 'strobe.test:8080';
    for (const origin of ['http://strobe.test:8081', 'http://strobe.test', 'http://evil.strobe.test:8080', 'http://strobe.test:8080.evil.example']) {
      assertError(await post(app(), '/api/auth/login', credentials, { host, origin }), 403, 'CSRF');
    }
  });

  test('login from our own origin (Origin = http://<Host>) is fine', async () => {
    const res = await login(app(), 'alice', PASSWORD, { host: 'strobe.test:8080', origin: 'http://strobe.test:8080' });
    assert.equal(res.statusCode, 200, res.body);
  });

  test(
    'our own origin on the default port is fine, whether or not Host spells out :80',
    async () => {
      // inject's default Host is "localhost:80"; a browser on http://localhost sends Origin "http://localhost".
      const res = await login(app(), 'alice', PASSWORD, { host: 'localhost:80', origin: 'http://localhost' });
      assert.equal(res.statusCode, 200, res.body);
      const res2 = await login(app(), 'alice', PASSWORD, { host: 'localhost:80', origin: 'http://localhost:80' });
      assert.equal(res2.statusCode, 200, res2.body);
    },
  );

  test('no Origin at all is not cross-site, whatever Sec-Fetch-Site says', async () => {
    const res = await login(app(), 'alice', PASSWORD, { 'sec-fetch-site': 'cross-site' });
    assert.equal(res.statusCode, 200, res.body);
  });

  test('logout and room creation refuse a foreign Origin too, and change nothing', async () => {
    const evil = { cookie, origin: 'http://evil.example' };
    assertError(await post(app(), '/api/auth/logout', undefined, evil), 403, 'CSRF');
    assert.equal((await me(app(), cookie)).statusCode, 200, 'the refused logout ended the session');

    assertError(await post(app(), '/api/chat/rooms', { name: 'evil-room' }, evil), 403, 'CSRF');
    const rooms = await app().app.inject({ method: 'GET', url: '/api/chat/rooms', headers: { cookie } });
    assert.ok(!(rooms.json().items as { name: string }[]).some((r) => r.name === 'evil-room'));

    assertError(await post(app(), '/api/auth/register', { username: 'evil_user', password: PASSWORD }, { origin: 'http://evil.example' }), 403, 'CSRF');
  });

  test('reads are not refused for their Origin', async () => {
    const res = await app().app.inject({ method: 'GET', url: '/api/me', headers: { cookie, origin: 'http://evil.example' } });
    assert.equal(res.statusCode, 200);
  });
});

describe('behind https (PUBLIC_URL)', () => {
  const app = useApp({ PUBLIC_URL: 'https://strobe.example' });

  test('the session cookie is Secure', async () => {
    const res = await post(app(), '/api/auth/register', { username: 'alice', password: PASSWORD });
    assert.equal(res.statusCode, 201, res.body);
    assert.ok(sessionCookie(res).attrs.has('secure'));
  });

  test('writes from the public origin pass whatever Host the proxy sends; other origins do not', async () => {
    const behindProxy = { host: 'app-internal:3000' };
    const ok = await login(app(), 'alice', PASSWORD, { ...behindProxy, origin: 'https://strobe.example' });
    assert.equal(ok.statusCode, 200, ok.body);
    for (const origin of ['http://strobe.example', 'https://evil.example', 'https://strobe.example:8443']) {
      assertError(await login(app(), 'alice', PASSWORD, { ...behindProxy, origin }), 403, 'CSRF');
    }
  });
});

describe('rate limits: guessing is throttled, and nobody can lock an account out', () => {
  const app = useApp();
  const ids = new Map<string, string>();
  const devices = new Map<string, string>();

  before(async () => {
    for (const name of ['victim', 'carol', 'dana', 'erin', 'fay', 'bob']) {
      const res = await post(app(), '/api/auth/register', { username: name, password: PASSWORD });
      assert.equal(res.statusCode, 201, res.body);
      ids.set(name, res.json().user.id);
      devices.set(name, deviceCookie(res));
    }
  });

  /** `count` wrong passwords for `username`, each from `from(i)`; returns the error codes. */
  async function guesses(username: string, count: number, from: (i: number) => string, headers: Headers = {}): Promise<string[]> {
    const codes: string[] = [];
    for (let i = 0; i < count; i++) {
      const res = await login(app(), username, `wrong password ${i}`, headers, from(i));
      codes.push(errorCode(res) ?? String(res.statusCode));
    }
    return codes;
  }

  test('sign-in sets a device cookie: HttpOnly, SameSite=Lax, sent to /api/auth only, kept for a year, after the session cookie', async () => {
    const res = await login(app(), 'bob', PASSWORD, {}, '10.9.0.1');
    assert.equal(res.statusCode, 200, res.body);
    const lines = res.headers['set-cookie'] as string[];
    assert.ok(lines[0]!.startsWith('strobe_sid='), 'clients that keep one cookie keep the session');
    const { value, attrs } = sessionCookie(res, 'strobe_device');
    assert.match(value, /^\d+\.[\w-]+\.[\w-]+$/);
    assert.ok(value.startsWith(`${ids.get('bob')}.`));
    assert.ok(attrs.has('httponly'));
    assert.equal(attrs.get('samesite')?.toLowerCase(), 'lax');
    assert.equal(attrs.get('path'), '/api/auth');
    assert.ok(Number(attrs.get('max-age')) >= 365 * 24 * 3600, `Max-Age ${attrs.get('max-age')}`);
    // Logging out ends the session, not what the browser has proven.
    const out = await post(app(), '/api/auth/logout', undefined, { cookie: cookieFrom(res.headers['set-cookie']) });
    assert.ok(!JSON.stringify(out.headers['set-cookie'] ?? '').includes('strobe_device'));
  });

  test('many wrong passwords from one address are cut off there (429, Retry-After), and the owner still signs in from another', async () => {
    const codes = await guesses('victim', ACCOUNT_LIMITS.loginPerUsernameAndIp.limit + 1, () => '10.1.0.1');
    assert.deepEqual(codes, [...Array<string>(ACCOUNT_LIMITS.loginPerUsernameAndIp.limit).fill('BAD_CREDENTIALS'), 'RATE_LIMITED']);

    // The owner, elsewhere and on a new device, is not affected.
    const owner = await login(app(), 'victim', PASSWORD, {}, '10.1.0.2');
    assert.equal(owner.statusCode, 200, owner.body);

    // While cut off, even the right password is refused there (otherwise the limit tells guesses apart).
    const limited = await login(app(), 'victim', PASSWORD, {}, '10.1.0.1');
    assertError(limited, 429, 'RATE_LIMITED');
    const retryAfter = Number(limited.headers['retry-after']);
    assert.ok(Number.isInteger(retryAfter) && retryAfter >= 1 && retryAfter <= 15 * 60, `Retry-After: ${limited.headers['retry-after']}`);
    assert.match(limited.json().error.message, /from your network\. Try again in \d+ min/);
  });

  test('guesses spread over many addresses exhaust the account for new devices, and its owner signs in with her device cookie', async () => {
    const budget = ACCOUNT_LIMITS.loginPerUsername.limit;
    const codes = await guesses('carol', budget + 12, (i) => `10.2.${Math.floor(i / 200)}.${(i % 200) + 1}`);
    assert.deepEqual(codes.slice(0, budget), Array<string>(budget).fill('BAD_CREDENTIALS'));
    assert.deepEqual(new Set(codes.slice(budget)), new Set(['RATE_LIMITED']), codes.join(', '));

    // Carol on a device she never used: refused.
    const fresh = await login(app(), 'carol', PASSWORD, {}, '10.2.9.1');
    assertError(fresh, 429, 'RATE_LIMITED');

    // Carol in the browser she registered with, from yet another address: signed in.
    const known = await login(app(), 'carol', PASSWORD, { cookie: devices.get('carol')! }, '10.2.9.2');
    assert.equal(known.statusCode, 200, known.body);
    assert.equal(known.json().user.username, 'carol');
    // The refusal said what to do.
    assert.match(fresh.json().error.message, /device you have used for this account before/);
    // Its new device cookie works as well.
    const again = await login(app(), 'carol', PASSWORD, { cookie: deviceCookie(known) }, '10.2.9.3');
    assert.equal(again.statusCode, 200, again.body);
  });

  test('a forged device cookie, or another account’s, does not get past the exhausted budget', async () => {
    const budget = ACCOUNT_LIMITS.loginPerUsername.limit;
    await guesses('dana', budget, (i) => `10.3.${Math.floor(i / 200)}.${(i % 200) + 1}`);
    const genuine = devices.get('dana')!.slice('strobe_device='.length);
    const [danaId, nonce, mac] = genuine.split('.') as [string, string, string];
    const otherNonce = (nonce[0] === 'A' ? 'B' : 'A') + nonce.slice(1);
    const otherMac = (mac[0] === 'A' ? 'B' : 'A') + mac.slice(1);
    const bobs = devices.get('bob')!.slice('strobe_device='.length);
    const [bobId, bobNonce, bobMac] = bobs.split('.') as [string, string, string];
    const forged = [
      bobs, // bob's genuine cookie, for bob
      `${danaId}.${bobNonce}.${bobMac}`, // bob's signature under dana's id
      `${bobId}.${nonce}.${mac}`, // dana's signature under bob's id
      `${danaId}.${otherNonce}.${mac}`, // another nonce
      `${danaId}.${nonce}.${otherMac}`, // another signature
      `${danaId}.${nonce}.${'A'.repeat(43)}`,
      `${danaId}.${nonce}`,
      `${danaId}.${nonce}.${mac}.x`,
      `${danaId}`,
      'garbage',
    ];
    for (const [i, value] of forged.entries()) {
      assertError(await login(app(), 'dana', PASSWORD, { cookie: `strobe_device=${value}` }, `10.3.8.${i + 1}`), 429, 'RATE_LIMITED');
    }
    // The genuine one still passes.
    assert.equal((await login(app(), 'dana', PASSWORD, { cookie: devices.get('dana')! }, '10.3.9.1')).statusCode, 200);
  });

  test('a device cookie has a failure budget of its own: guesses with it are cut off, its owner elsewhere is not', async () => {
    const cookie = devices.get('erin')!;
    const codes = await guesses('erin', ACCOUNT_LIMITS.loginPerUsernameAndDevice.limit + 1, () => '10.4.0.1', { cookie });
    assert.deepEqual(codes, [...Array<string>(ACCOUNT_LIMITS.loginPerUsernameAndDevice.limit).fill('BAD_CREDENTIALS'), 'RATE_LIMITED']);
    assertError(await login(app(), 'erin', PASSWORD, { cookie }, '10.4.0.2'), 429, 'RATE_LIMITED');
    // Without that cookie, from the same address, erin is a new device with a budget of its own.
    assert.equal((await login(app(), 'erin', PASSWORD, {}, '10.4.0.1')).statusCode, 200);
  });

  test('IPv6 addresses count by their /64: a client cannot take a fresh address per guess', async () => {
    const limit = ACCOUNT_LIMITS.loginPerUsernameAndIp.limit;
    const codes = await guesses('fay', limit + 1, (i) => `2001:db8:5:6::${(i + 1).toString(16)}`);
    assert.deepEqual(codes, [...Array<string>(limit).fill('BAD_CREDENTIALS'), 'RATE_LIMITED']);
    assert.equal((await login(app(), 'fay', PASSWORD, {}, '2001:db8:5:7::1')).statusCode, 200, 'another /64 is another client');
  });

  test('one address trying many usernames is cut off too', async () => {
    let limited = false;
    for (let i = 0; i < 35 && !limited; i++) {
      const res = await login(app(), `sprayed_${i}`, 'password1', {}, '10.5.0.1');
      if (res.statusCode === 429) {
        assert.equal(errorCode(res), 'RATE_LIMITED');
        assert.ok(res.headers['retry-after']);
        limited = true;
      } else assertError(res, 401, 'BAD_CREDENTIALS');
    }
    assert.ok(limited, 'one address was never limited');
    // Another address is not affected.
    assertError(await login(app(), 'sprayed_0', 'password1', {}, '10.5.0.2'), 401, 'BAD_CREDENTIALS');
  });
});

// Sockets and the sessions behind them, in one process: only a session that existed is announced as
// ended (a made-up cookie must not make every instance scan its sockets), and a role change drops
// the transports of that user's sockets, so they reconnect with their current rights.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { test } from 'node:test';
import { SESSION_COOKIE } from '../../src/features/accounts/sessions.js';
import type { SubscribeAck } from '../../src/shared/realtime.js';
import { buildTestApp, cookieFrom, register, type TestApp } from '../helpers/app.js';
import { subscribe } from '../helpers/photos.js';
import { connect, type TestSocket } from '../helpers/sockets.js';

/** Every event this app publishes on the internal `sessions` stream. */
function sessionsEvents(app: TestApp): { type: string; data: unknown }[] {
  const seen: { type: string; data: unknown }[] = [];
  const publish = app.adapters.bus.publish.bind(app.adapters.bus);
  app.adapters.bus.publish = async (stream, type, data) => {
    if (stream === 'sessions') seen.push({ type, data });
    return publish(stream, type, data);
  };
  return seen;
}

const disconnected = (s: TestSocket) => new Promise<string>((resolve) => s.socket.once('disconnect', (reason) => resolve(reason)));
const madeUp = () => `${SESSION_COOKIE}=${randomBytes(32).toString('base64url')}`;

test('logging out or signing in over a session that never existed announces nothing; a real one is announced once', async (t) => {
  const app = await buildTestApp(t);
  const seen = sessionsEvents(app);
  const logout = (cookie?: string) => app.app.inject({ method: 'POST', url: '/api/auth/logout', headers: cookie ? { cookie } : {} });

  for (const cookie of [undefined, madeUp(), `${SESSION_COOKIE}=junk`]) assert.equal((await logout(cookie)).statusCode, 204);
  assert.equal(seen.length, 0, 'junk cookies publish nothing');

  const alice = await register(app, 'alice');
  assert.equal(seen.length, 0);
  const login = async (cookie: string) => {
    const res = await app.app.inject({ method: 'POST', url: '/api/auth/login', headers: { cookie }, payload: { username: 'alice', password: 'correct horse' } });
    assert.equal(res.statusCode, 200, res.body);
    return cookieFrom(res.headers['set-cookie']);
  };
  const fresh = await login(madeUp());
  assert.equal(seen.length, 0, 'signing in with a made-up session cookie publishes nothing');

  const rotated = await login(alice.cookie);
  assert.deepEqual(seen.map((e) => e.type), ['session.ended'], 'signing in over a live session ends it');
  assert.equal((await logout(rotated)).statusCode, 204);
  assert.equal((await logout(rotated)).statusCode, 204);
  assert.deepEqual(seen.map((e) => e.type), ['session.ended', 'session.ended'], 'once per session');
  assert.equal((await logout(fresh)).statusCode, 204);
  assert.equal(seen.length, 3);
});

test('a role change drops the transports of that user\'s sockets, which reconnect with the new rights', { timeout: 30_000 }, async (t) => {
  const app = await buildTestApp(t);
  await app.listen();
  const root = await register(app, 'root');
  const other = await register(app, 'other');
  const admin = await connect(app.url, root.cookie, { reconnection: true });
  const bystander = await connect(app.url, other.cookie);
  t.after(() => [admin, bystander].forEach((s) => s.close()));
  await subscribe(admin, 'system');
  const dropped = disconnected(admin);

  await app.adapters.db.query(`update users set is_admin = false where username = 'root'`);
  assert.equal((await subscribe(admin, 'system')).ok, true, 'the open socket still has the rights of its handshake');
  await app.adapters.bus.publish('sessions', 'user.changed', { userId: root.id });
  assert.equal(await dropped, 'transport close', 'a lost transport, so the client reconnects by itself');
  await new Promise<void>((resolve) => admin.socket.once('connect', () => resolve()));
  const again: SubscribeAck = await admin.socket.timeout(5_000).emitWithAck('subscribe', { stream: 'system' });
  assert.deepEqual(again.ok ? again : again.error.code, 'FORBIDDEN');
  assert.ok(bystander.socket.connected, "another user's socket stays");
});

// An open socket must not outlive the rights it was opened with: a socket whose session expires is
// ended, and `strobe admin revoke`, run in another process, takes the `system` stream away from the
// admin's open socket at once (it reconnects, and its new handshake no longer carries the role).
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { setTimeout as delay } from 'node:timers/promises';
import { promisify } from 'node:util';
import type { SubscribeAck } from '../../src/shared/realtime.js';
import { call, expectStatus, signUp, subscribe } from '../helpers/photos.js';
import { startServer } from '../helpers/server.js';
import { deleteRedisKeys, freshPostgres, freshVhost, RUN_ID, SERVICES, servicesUp } from '../helpers/services.js';
import { connect, type TestSocket } from '../helpers/sockets.js';

const ROOT = new URL('../..', import.meta.url).pathname;
const run = promisify(execFile);

// Asked before any test is registered: a test already running beside the check slows it down.
const clusterServices = await servicesUp(['postgres', 'redis', 'amqp']);

const disconnected = (s: TestSocket) => new Promise<string>((resolve) => s.socket.once('disconnect', (reason) => resolve(reason)));
const subscribeAck = (s: TestSocket, stream: string): Promise<SubscribeAck> => s.socket.timeout(5_000).emitWithAck('subscribe', { stream });

test('a socket whose session expires is ended; anonymous sockets stay', { timeout: 90_000 }, async (t) => {
  const server = await startServer({ env: { SESSION_TTL_SECONDS: '3' } });
  t.after(() => server.close());
  const alice = await signUp(server.url, 'alice');
  const signedIn = await connect(server.url, alice.cookie);
  const anonymous = await connect(server.url);
  t.after(() => [signedIn, anonymous].forEach((s) => s.close()));
  await subscribe(signedIn, 'user');
  await subscribe(anonymous, 'latest');
  const started = Date.now();
  const ended = disconnected(signedIn);

  assert.equal(await Promise.race([ended, delay(8_000, 'still connected after 8 s')]), 'io server disconnect', 'ended by the server, as a logout ends it');
  const after = Date.now() - started;
  assert.ok(after < 6_000, `within a sweep of its expiry (${after} ms)`);
  assert.ok(anonymous.socket.connected, 'a socket without a session has nothing to expire');
  expectStatus(await call(server.url, 'GET', '/api/me', { cookie: alice.cookie }), 401);
  // Coming back with the expired cookie opens an anonymous socket.
  const back = await connect(server.url, alice.cookie);
  t.after(() => back.close());
  const ack = await subscribeAck(back, 'user');
  assert.equal(ack.ok ? 'ok' : ack.error.code, 'UNAUTHENTICATED');
});

if (clusterServices) {
  test('`strobe admin revoke` drops the admin\'s open socket, which then may not watch `system`', { timeout: 180_000 }, async (t) => {
    const [pg, vhost] = await Promise.all([freshPostgres(), freshVhost()]);
    const prefix = `strobe-test:${RUN_ID}:rights:`;
    const cliDataDir = mkdtempSync(join(tmpdir(), 'strobe-admin-cli-'));
    t.after(async () => {
      await Promise.all([pg.dispose(), vhost.dispose(), deleteRedisKeys(prefix)]);
      rmSync(cliDataDir, { recursive: true, force: true });
    });
    const clusterEnv = {
      DATABASE_URL: pg.url,
      REDIS_URL: SERVICES.redis,
      AMQP_URL: vhost.url,
      REDIS_PREFIX: prefix,
      SESSION_SECRET: randomBytes(24).toString('base64url'),
      REGISTRATION: 'open', // cluster mode is invite-only by default; this test signs up a second user
    };
    const server = await startServer({ env: clusterEnv });
    t.after(() => server.close());
    const admin = (...args: string[]) =>
      run(process.execPath, ['--import', 'tsx', 'src/main.ts', 'admin', ...args], {
        cwd: ROOT,
        env: { ...process.env, ...clusterEnv, DATA_DIR: cliDataDir, LOG_LEVEL: 'warn', STROBE_ADMIN_PASSWORD: 'correct horse root' },
        timeout: 60_000,
      });

    assert.match((await admin('create', 'root')).stdout, /created the admin account root/);
    const login = await call(server.url, 'POST', '/api/auth/login', { json: { username: 'root', password: 'correct horse root' } });
    expectStatus(login, 200);
    const cookie = login.headers.get('set-cookie')!.split(';')[0]!;
    const other = await signUp(server.url, 'other');

    const root = await connect(server.url, cookie, { reconnection: true });
    const bystander = await connect(server.url, other.cookie);
    t.after(() => [root, bystander].forEach((s) => s.close()));
    await subscribe(root, 'system');
    await root.waitFor((evs) => evs.some((e) => e.stream === 'system'), 10_000); // the heartbeats reach it
    const dropped = disconnected(root);
    const reconnected = new Promise<void>((resolve) => root.socket.io.once('reconnect', () => resolve()));

    const revoked = await admin('revoke', 'root');
    assert.equal(revoked.stdout.trim(), 'strobe: root is no longer an admin');
    assert.equal(
      await Promise.race([dropped, delay(10_000, 'still connected after 10 s')]),
      'transport close',
      'the transport is dropped, so the client reconnects by itself',
    );
    await reconnected;
    const again = await subscribeAck(root, 'system');
    assert.equal(again.ok ? 'ok' : again.error.code, 'FORBIDDEN');
    assert.equal((await subscribeAck(root, 'user')).ok, true, 'still signed in: only the role went');
    assert.ok(bystander.socket.connected, "another user's socket is left alone");
  });
}

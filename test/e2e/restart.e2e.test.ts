// A restart of the one embedded process keeps sessions and chat history (they live in the database).
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { test } from 'node:test';
import type { SubscribeAck } from '../../src/shared/realtime.js';
import { freshDataDir } from '../helpers/data-dir.js';
import { startServer } from '../helpers/server.js';
import { connect } from '../helpers/sockets.js';

test('sessions and history survive a restart, even after SIGKILL', async (t) => {
  const dataDir = await freshDataDir();

  const first = await startServer({ dataDir });
  t.after(() => first.kill());
  const reg = await fetch(`${first.url}/api/auth/register`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username: 'alice', password: 'correct horse' }),
  });
  assert.equal(reg.status, 201);
  const cookie = reg.headers.get('set-cookie')!.split(';')[0]!;
  const s = await connect(first.url, cookie);
  const sub = (await s.socket.emitWithAck('subscribe', { stream: 'chat:lobby' })) as SubscribeAck;
  assert.ok(sub.ok);
  const sent = await s.socket.emitWithAck('chat:send', { room: 'lobby', text: 'before the restart', clientId: 'r1' });
  assert.ok(sent.ok);
  await s.waitFor((ev) => ev.some((e) => e.type === 'chat.message'));
  const since = s.events.at(-1)!.offset;
  s.close();
  await first.kill(); // SIGKILL: no chance to flush anything

  const second = await startServer({ dataDir });
  t.after(() => second.close()); // after() hooks run in order: the server stops before its data dir goes
  t.after(() => rmSync(dataDir, { recursive: true, force: true }));
  const me = await fetch(`${second.url}/api/me`, { headers: { cookie } });
  assert.equal(me.status, 200, 'still signed in');
  assert.equal((await me.json()).user.username, 'alice');
  const history = await fetch(`${second.url}/api/chat/rooms/lobby/messages`, { headers: { cookie } });
  assert.deepEqual((await history.json()).items.map((m: { text: string }) => m.text), ['before the restart']);

  // The replay history of the embedded bus lived in the old process: the client is told to refetch.
  const s2 = await connect(second.url, cookie);
  t.after(() => s2.close());
  const resumed = (await s2.socket.emitWithAck('subscribe', { stream: 'chat:lobby', since })) as SubscribeAck;
  assert.ok(resumed.ok);
  assert.equal(resumed.recovered, false);
  const again = await s2.socket.emitWithAck('chat:send', { room: 'lobby', text: 'retry', clientId: 'r1' });
  assert.ok(again.ok && again.message.text === 'before the restart', 'a retried send is still idempotent');
});

test('SIGTERM drains and exits cleanly within 10 s', async () => {
  const server = await startServer();
  const started = Date.now();
  const code = await server.stop();
  await server.close();
  assert.equal(code, 0);
  assert.ok(Date.now() - started < 10_000);
});

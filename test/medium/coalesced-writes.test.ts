// The frames a socket is owed while its previous write is in flight leave in one write, in order
// and intact; a lone frame leaves at once. Real Socket.IO server and client over TCP.
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo, Socket as TcpSocket } from 'node:net';
import { test } from 'node:test';
import { Server } from 'socket.io';
import { io as connect } from 'socket.io-client';
import { coalesceWrites } from '../../src/realtime/coalesced-writes.js';
import type { AppServer } from '../../src/realtime/types.js';

test('a burst to one socket is written in a few writes, in order and intact; a lone event leaves at once', async (t) => {
  const http = createServer();
  const io = new Server(http, { transports: ['websocket'] });
  coalesceWrites(io as unknown as AppServer);
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  t.after(async () => {
    await io.close();
  });
  const connected = new Promise<{ emit(event: string, ...args: unknown[]): void; conn: unknown }>((resolve) => io.on('connection', (s) => resolve(s as never)));
  const client = connect(`http://127.0.0.1:${(http.address() as AddressInfo).port}`, { transports: ['websocket'], reconnection: false });
  t.after(() => client.close());
  const server = await connected;
  const tcp = (server.conn as { transport: { socket: { _socket: TcpSocket } } }).transport.socket._socket;
  // Counts what reaches the TCP socket's write path: one call per write(v) syscall's worth of data.
  let writes = 0;
  for (const method of ['_write', '_writev'] as const) {
    const original = tcp[method] as (...args: unknown[]) => unknown;
    (tcp as unknown as Record<string, unknown>)[method] = function (this: TcpSocket, ...args: unknown[]) {
      writes++;
      return original.apply(this, args);
    };
  }

  const got: number[] = [];
  const all = new Promise<void>((resolve) =>
    client.on('event', (n: number, text: string) => {
      assert.equal(text, `event ${n} ${'x'.repeat(200)}`, 'frames arrive intact');
      got.push(n);
      if (got.length === 501) resolve();
    }),
  );
  // A lone event: written at once, on its own.
  server.emit('event', 0, `event 0 ${'x'.repeat(200)}`);
  await new Promise((resolve) => setTimeout(resolve, 50));
  assert.equal(writes, 1, 'a lone event is one write, sent at once');
  assert.deepEqual(got, [0], 'and it arrived without waiting for more');

  // A burst in one turn: the first frame is written, the rest wait for it and leave together.
  writes = 0;
  for (let n = 1; n <= 500; n++) server.emit('event', n, `event ${n} ${'x'.repeat(200)}`);
  await all;
  assert.deepEqual(got, Array.from({ length: 501 }, (_, i) => i), 'every event, in order');
  assert.ok(writes <= 4, `500 frames in ${writes} writes (one per frame without coalescing)`);
});

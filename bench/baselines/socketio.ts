// Baseline: the Socket.IO server the classic tutorials build. Socket.IO 4, WebSocket transport,
// `@socket.io/redis-adapter` over the same Redis when REDIS_URL is set (bare otherwise), rooms,
// and `io.to(room).emit` for every broadcast. Nothing else: no auth, no history, no resume.
//
//   PORT=0 REDIS_URL=redis://127.0.0.1:6379 REDIS_PREFIX=bench:x node --import tsx bench/baselines/socketio.ts
//
// Protocol (what the benchmarks' clients and publishers use):
//   client → `join` (rooms: string[], ack)          joins the rooms, then acks `{ ok: true }`
//   client → `publish` ({ room, data }, ack?)       io.to(room).emit('event', data) across instances
//   server → `event` (data)
// Prints `listening <port>` on stdout once it accepts connections, and sends the same on IPC.
import { createServer } from 'node:http';
import { createAdapter } from '@socket.io/redis-adapter';
import { Redis } from 'ioredis';
import { Server } from 'socket.io';

const httpServer = createServer();
const io = new Server(httpServer, { transports: ['websocket'], serveClient: false });

if (process.env.REDIS_URL) {
  const pub = new Redis(process.env.REDIS_URL);
  const sub = pub.duplicate();
  io.adapter(createAdapter(pub, sub, { key: `${process.env.REDIS_PREFIX ?? 'bench'}:socket.io` }));
}

io.on('connection', (socket) => {
  socket.on('join', (rooms: unknown, ack: unknown) => {
    if (Array.isArray(rooms)) void socket.join(rooms.filter((r): r is string => typeof r === 'string'));
    if (typeof ack === 'function') ack({ ok: true });
  });
  socket.on('publish', (msg: { room?: unknown; data?: unknown }, ack: unknown) => {
    if (typeof msg?.room === 'string') io.to(msg.room).emit('event', msg.data);
    if (typeof ack === 'function') ack({ ok: true });
  });
});

httpServer.listen(Number(process.env.PORT ?? 0), '127.0.0.1', () => {
  const { port } = httpServer.address() as { port: number };
  console.log(`listening ${port}`);
  process.send?.({ type: 'listening', port });
});
process.on('SIGTERM', () => process.exit(0));

// Baseline: a raw `ws` server, the practical limit for Node on this machine. Each broadcast builds
// its frame once and writes it to every client in the room. Text frames, JSON messages:
//   client → {"join": ["latest", "city:x"]}                 (acked with {"joined": n})
//   client → {"publish": {"room": "latest", "data": …}}     (every client in the room gets `data`)
//
//   PORT=0 node --import tsx bench/baselines/ws.ts
//
// Prints `listening <port>` on stdout once it accepts connections, and sends the same on IPC.
// One process: a raw ws server has no cross-instance story, so it is the single-instance ceiling.
import { createServer } from 'node:http';
import { WebSocket, WebSocketServer } from 'ws';

const httpServer = createServer();
const wss = new WebSocketServer({ server: httpServer, perMessageDeflate: false });
const rooms = new Map<string, Set<WebSocket>>();

wss.on('connection', (ws) => {
  const joined = new Set<string>();
  ws.on('message', (raw) => {
    let msg: { join?: unknown; publish?: { room?: unknown; data?: unknown } };
    try {
      msg = JSON.parse(String(raw)) as typeof msg;
    } catch {
      return;
    }
    if (Array.isArray(msg.join)) {
      for (const room of msg.join) {
        if (typeof room !== 'string') continue;
        let set = rooms.get(room);
        if (!set) rooms.set(room, (set = new Set()));
        set.add(ws);
        joined.add(room);
      }
      ws.send(JSON.stringify({ joined: joined.size }));
    } else if (msg.publish && typeof msg.publish.room === 'string') {
      const members = rooms.get(msg.publish.room);
      if (!members) return;
      // One frame for everyone: the same buffer is written to each socket.
      const frame = Buffer.from(JSON.stringify(msg.publish.data));
      for (const member of members) if (member.readyState === WebSocket.OPEN) member.send(frame, { binary: false });
    }
  });
  ws.on('close', () => {
    for (const room of joined) rooms.get(room)?.delete(ws);
  });
});

httpServer.listen(Number(process.env.PORT ?? 0), '127.0.0.1', () => {
  const { port } = httpServer.address() as { port: number };
  console.log(`listening ${port}`);
  process.send?.({ type: 'listening', port });
});
process.on('SIGTERM', () => process.exit(0));

// Under load, the frames a socket is owed leave in one write, as Centrifugo batches writes per
// connection; an idle socket's event still leaves at once. Engine.IO already queues the packets
// that come while a socket's previous write is in flight and hands them to the transport together
// once it drains; its WebSocket transport then writes them one frame at a time: a syscall each, and
// a TCP segment each for the load balancer to relay. Corking the TCP socket around that one
// hand-over makes it a single writev. A packet alone in its hand-over is written as before.
//
// Socket.IO has no option for this, so the transport's `send` is wrapped, once per process, on its
// prototype (taken from the first connection): nothing per connection, which benchmark 8 counts.
import type { Socket as TcpSocket } from 'node:net';
import type { AppServer } from './types.js';

interface WebSocketTransport {
  send(packets: unknown[]): void;
  /** The `ws` WebSocket; `_socket` is its TCP socket (ws has no public accessor). */
  socket?: { _socket?: TcpSocket };
}

const WRAPPED = Symbol.for('strobe.coalescedWrites');

export function coalesceWrites(io: AppServer): void {
  io.engine.on('connection', (conn: { transport?: WebSocketTransport }) => {
    if (conn.transport) wrap(Object.getPrototypeOf(conn.transport) as WebSocketTransport & { [WRAPPED]?: true });
  });
}

function wrap(proto: WebSocketTransport & { [WRAPPED]?: true }): void {
  if (proto[WRAPPED] || typeof proto.send !== 'function') return;
  const send = proto.send;
  proto.send = function (this: WebSocketTransport, packets: unknown[]): void {
    const tcp = this.socket?._socket;
    if (packets.length < 2 || typeof tcp?.cork !== 'function') return send.call(this, packets);
    tcp.cork();
    try {
      send.call(this, packets);
    } finally {
      tcp.uncork();
    }
  };
  proto[WRAPPED] = true;
}

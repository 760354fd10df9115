// Many idle socket.io clients in this process: WebSocket transport, no reconnection (a drop is a
// failure, not something to hide), opened a bounded number at a time.
import { io, type Socket } from 'socket.io-client';

export interface Clients {
  sockets: Socket[];
  /** Sockets still connected. */
  connected(): number;
  close(): void;
}

export interface OpenOptions {
  url: string;
  count: number;
  /** Cookie header for client i (a signed-in user), or undefined. */
  cookie?: (i: number) => string | undefined;
  /** Runs once client i is connected: its subscriptions, acknowledged. */
  setUp: (socket: Socket, i: number) => Promise<void>;
  concurrency?: number;
  timeoutMs?: number;
}

/** Emits with an acknowledgement and resolves with it, or rejects after `timeoutMs`. */
export function request<T>(socket: Socket, event: string, payload: unknown, timeoutMs = 30_000): Promise<T> {
  return new Promise((resolve, reject) => {
    socket.timeout(timeoutMs).emit(event, payload, (err: Error | null, res: T) => (err ? reject(new Error(`${event}: no ack within ${timeoutMs} ms`)) : resolve(res)));
  });
}

export async function openClients(opts: OpenOptions): Promise<Clients> {
  const sockets: Socket[] = [];
  const timeoutMs = opts.timeoutMs ?? 30_000;
  const clients: Clients = {
    sockets,
    connected: () => sockets.filter((s) => s.connected).length,
    close: () => {
      for (const s of sockets) s.close();
    },
  };
  let next = 0;
  const one = async (i: number) => {
    const cookie = opts.cookie?.(i);
    const socket = io(opts.url, {
      transports: ['websocket'],
      extraHeaders: cookie ? { cookie } : {},
      reconnection: false,
      forceNew: true,
      timeout: timeoutMs,
    });
    sockets.push(socket);
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', () => resolve());
      socket.once('connect_error', (err) => reject(new Error(`client ${i}: ${err.message}`)));
    });
    await opts.setUp(socket, i);
  };
  const worker = async () => {
    while (next < opts.count) await one(next++);
  };
  try {
    await Promise.all(Array.from({ length: Math.min(opts.concurrency ?? 100, opts.count) }, worker));
  } catch (err) {
    clients.close();
    throw err;
  }
  return clients;
}

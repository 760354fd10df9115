// Real socket.io-client connections for e2e tests, with a log of every envelope received.
import { io, type Socket } from 'socket.io-client';
import type { ClientToServerEvents, Envelope, ServerToClientEvents } from '../../src/shared/realtime.js';

export type ClientSocket = Socket<ServerToClientEvents, ClientToServerEvents>;

export interface TestSocket {
  socket: ClientSocket;
  events: Envelope[];
  /** Resolves when `predicate` holds for the events received so far. */
  waitFor(predicate: (events: Envelope[]) => boolean, timeoutMs?: number): Promise<Envelope[]>;
  close(): void;
}

export async function connect(url: string, cookie?: string, opts: { reconnection?: boolean } = {}): Promise<TestSocket> {
  const socket: ClientSocket = io(url, {
    transports: ['websocket'],
    extraHeaders: cookie ? { cookie } : {},
    reconnection: opts.reconnection ?? false,
    forceNew: true,
  });
  const events: Envelope[] = [];
  const waiters = new Set<() => void>();
  socket.on('event', (env) => {
    events.push(env);
    for (const w of [...waiters]) w();
  });
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', () => resolve());
    socket.once('connect_error', reject);
  });
  return {
    socket,
    events,
    waitFor(predicate, timeoutMs = 5_000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          if (!predicate(events)) return;
          waiters.delete(check);
          clearTimeout(timer);
          resolve(events);
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`timed out; received ${events.length} events: ${JSON.stringify(events.slice(-5))}`));
        }, timeoutMs);
        waiters.add(check);
        check();
      });
    },
    close: () => socket.close(),
  };
}

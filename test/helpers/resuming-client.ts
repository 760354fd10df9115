// A realtime client that behaves like the browser app across reconnects (socket.io-client
// reconnects by itself; every stream is resubscribed with `since`, the last offset received), but
// keeps every envelope exactly as it arrived, so a test can see a gap, a duplicate or a reordering
// that the browser app would have hidden.
import { io } from 'socket.io-client';
import { compareOffsets, type Envelope, type SubscribeAck } from '../../src/shared/realtime.js';
import type { ClientSocket } from './sockets.js';

export interface StreamLog {
  /** Every envelope in arrival order, replayed ones included, duplicates included. */
  events: Envelope[];
  /** How each of `events` arrived: `live` or `missed`, and on which connection (1 = the first). */
  how: string[];
  since: string | undefined;
  /** The acks of every (re)subscription, in order. */
  acks: SubscribeAck[];
}

export class ResumingClient {
  readonly socket: ClientSocket;
  readonly streams = new Map<string, StreamLog>();
  /** When the connection dropped, and when every stream was resubscribed afterwards. */
  readonly drops: { at: number; resumedAt?: number }[] = [];
  private connects = 0;

  constructor(
    url: string,
    private readonly names: readonly string[],
    cookie?: string,
  ) {
    for (const name of names) this.streams.set(name, { events: [], how: [], since: undefined, acks: [] });
    this.socket = io(url, {
      transports: ['websocket'],
      extraHeaders: cookie ? { cookie } : {},
      forceNew: true,
      reconnectionDelay: 100,
      reconnectionDelayMax: 1_000,
    });
    this.socket.on('event', (env) => {
      const log = this.streams.get(env.stream);
      if (!log) return;
      log.events.push(env);
      log.how.push(`live@${this.connects}`);
      log.since = env.offset;
    });
    this.socket.on('disconnect', () => this.drops.push({ at: Date.now() }));
    this.socket.on('connect', () => void this.resubscribe());
  }

  /** Resolves after the first connect and subscriptions. */
  ready(timeoutMs = 20_000): Promise<void> {
    return this.until(() => this.connects > 0 && this.allSubscribed(), timeoutMs, 'the first subscriptions');
  }

  get resumed(): boolean {
    return this.drops.every((d) => d.resumedAt !== undefined);
  }

  until(check: () => boolean, timeoutMs: number, what: string): Promise<void> {
    return new Promise((resolve, reject) => {
      const deadline = Date.now() + timeoutMs;
      const tick = () => {
        if (check()) return resolve();
        if (Date.now() > deadline) return reject(new Error(`timed out waiting for ${what}`));
        setTimeout(tick, 20);
      };
      tick();
    });
  }

  close(): void {
    this.socket.close();
  }

  private allSubscribed(): boolean {
    return [...this.streams.values()].every((s) => s.acks.at(-1)?.ok === true);
  }

  private async resubscribe(): Promise<void> {
    const connect = ++this.connects;
    const results = await Promise.all(this.names.map((name) => this.subscribe(name)));
    const drop = this.drops.at(-1);
    if (connect > 1 && drop && results.every(Boolean)) drop.resumedAt = Date.now();
  }

  private subscribe(name: string): Promise<boolean> {
    const log = this.streams.get(name)!;
    return new Promise((resolve) => {
      // The ack is handled in its callback, which socket.io runs as the reply is decoded: before
      // any live event behind it (a promise continuation could run after them).
      const req: { stream: string; since?: string } = log.since ? { stream: name, since: log.since } : { stream: name };
      this.socket.timeout(10_000).emit('subscribe', req, (err: Error | null, ack: SubscribeAck) => {
        if (err) return resolve(false);
        log.acks.push(ack);
        if (!ack.ok) return resolve(false);
        for (const env of ack.missed) {
          log.events.push(env);
          log.how.push(`missed@${this.connects} since ${req.since ?? '-'}`);
        }
        if (ack.missed.length) log.since = ack.missed.at(-1)!.offset;
        // As the browser app does: `head` is where live events continue from.
        if (ack.head && (!ack.recovered || !log.since || compareOffsets(ack.head, log.since) > 0)) log.since = ack.head;
        resolve(true);
      });
    });
  }
}

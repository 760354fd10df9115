// One AMQP connection per process that comes back by itself: on loss it reconnects with back-off
// and calls every registered `onReady` again, so consumers and publishers re-create their channels.
//
// With several nodes (AMQP_URL lists a RabbitMQ cluster, see docs/messages.md) it connects to one
// of them, starting at a random one so that processes spread over the cluster, and on loss moves
// on to the next: a node that died is tried again only after the others. Back-off starts once a
// whole round of nodes failed. Quorum queues are replicated, so any node serves every queue.
import { hostname } from 'node:os';
import amqp, { type ChannelModel } from 'amqplib';

const CONNECTION_NAME = `strobe pid ${process.pid} on ${hostname()}`;
/** The pause before a channel that closed alone is opened again on the same connection. */
const CHANNEL_RETRY_MS = 500;

export class AmqpConnection {
  private conn: ChannelModel | undefined;
  private readonly readyHandlers: ((conn: ChannelModel) => Promise<void>)[] = [];
  private closing = false;
  private connecting: Promise<void> | undefined;
  private readonly urls: readonly string[];
  /** The node tried next. */
  private next: number;

  constructor(
    urls: string | readonly string[],
    private readonly log: { warn(obj: object, msg: string): void; info?(obj: object, msg: string): void } = { warn: () => {} },
  ) {
    this.urls = typeof urls === 'string' ? [urls] : [...urls];
    if (this.urls.length === 0) throw new Error('AmqpConnection needs at least one URL');
    this.next = Math.floor(Math.random() * this.urls.length);
  }

  get current(): ChannelModel | undefined {
    return this.conn;
  }

  /**
   * When `channel` closes on its own (an error, a consumer the broker cancelled, a confirm wait given
   * up) while its connection `c` is still the current one, calls `reopen` on that same connection
   * after a short pause, unless `stillWanted` says otherwise by then. When the connection itself
   * went, onReady handlers do the reopening after the reconnect instead.
   */
  reopenOnClose(c: ChannelModel, channel: { on(event: 'close', fn: () => void): unknown }, stillWanted: () => boolean, reopen: () => Promise<void>, what: string): void {
    channel.on('close', () => {
      if (!stillWanted() || this.conn !== c) return;
      setTimeout(() => {
        if (stillWanted() && this.conn === c) reopen().catch((err: unknown) => this.log.warn({ err }, `reopening ${what} failed`));
      }, CHANNEL_RETRY_MS).unref();
    });
  }

  /**
   * Leaves the node `c` is connected to, if `c` is still the current connection: closing it makes
   * the process reconnect to the next node of AMQP_URL, where every onReady handler runs again.
   * For a node that keeps refusing what it is given while it stays connected.
   */
  moveOn(c: ChannelModel, why: string): void {
    if (this.conn !== c) return;
    this.log.warn({ reason: why }, 'leaving this AMQP node for the next');
    void c.close().catch(() => {});
  }

  /** Runs now if connected, and after every reconnect. */
  async onReady(handler: (conn: ChannelModel) => Promise<void>): Promise<void> {
    this.readyHandlers.push(handler);
    if (this.conn) await handler(this.conn);
  }

  async connect(): Promise<void> {
    this.connecting ??= this.dial(true).finally(() => (this.connecting = undefined));
    return this.connecting;
  }

  private async dial(first: boolean): Promise<void> {
    for (let attempt = 0; !this.closing; attempt++) {
      // One round: every node once, from the one after the last that failed.
      for (let i = 0; i < this.urls.length && !this.closing; i++) {
        const url = this.urls[this.next]!;
        this.next = (this.next + 1) % this.urls.length;
        let conn: ChannelModel | undefined;
        try {
          // Named so that an operator (rabbitmqctl list_connections client_properties, or the management UI) sees whose it is.
          conn = await amqp.connect(url, { timeout: 5_000, clientProperties: { connection_name: CONNECTION_NAME } });
          conn.on('error', (err: Error) => this.log.warn({ err, node: nodeOf(url) }, 'AMQP connection error'));
          const opened = conn;
          conn.on('close', () => {
            if (this.conn !== opened) return;
            this.conn = undefined;
            if (!this.closing) {
              this.log.warn({ node: nodeOf(url) }, 'AMQP connection lost; reconnecting');
              void this.connect();
            }
          });
          if (this.closing) {
            await conn.close().catch(() => {});
            return;
          }
          this.conn = conn;
          if (this.urls.length > 1) this.log.info?.({ node: nodeOf(url) }, 'AMQP connected');
          for (const handler of this.readyHandlers) await handler(conn);
          return;
        } catch (err) {
          if (conn) {
            // Connected, but a consumer or publisher could not set up (the node died meanwhile, or
            // refused a declaration): drop this connection and go on to the next node.
            this.log.warn({ err, node: nodeOf(url) }, 'AMQP setup failed on a new connection');
            if (this.conn === conn) this.conn = undefined;
            await conn.close().catch(() => {});
            continue;
          }
          if (first && attempt === 0) this.log.warn({ err, node: nodeOf(url) }, 'AMQP connection failed; trying the next node');
        }
      }
      await new Promise((r) => setTimeout(r, Math.min(5_000, 200 * 2 ** Math.min(attempt, 5))));
    }
  }

  async close(): Promise<void> {
    this.closing = true;
    const conn = this.conn;
    this.conn = undefined;
    await conn?.close().catch(() => {});
  }
}

/** host:port, for logs: never the credentials. */
function nodeOf(url: string): string {
  try {
    const u = new URL(url);
    return u.host;
  } catch {
    return '?';
  }
}

// One AMQP connection per process that comes back by itself: on loss it reconnects with back-off
// and calls every registered `onReady` again, so consumers and publishers re-create their channels.
import amqp, { type ChannelModel } from 'amqplib';

export class AmqpConnection {
  private conn: ChannelModel | undefined;
  private readonly readyHandlers: ((conn: ChannelModel) => Promise<void>)[] = [];
  private closing = false;
  private connecting: Promise<void> | undefined;

  constructor(
    private readonly url: string,
    private readonly log: { warn(obj: object, msg: string): void; info?(obj: object, msg: string): void } = { warn: () => {} },
  ) {}

  get current(): ChannelModel | undefined {
    return this.conn;
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
      try {
        const conn = await amqp.connect(this.url, { timeout: 5_000 });
        conn.on('error', (err: Error) => this.log.warn({ err }, 'AMQP connection error'));
        conn.on('close', () => {
          if (this.conn !== conn) return;
          this.conn = undefined;
          if (!this.closing) {
            this.log.warn({}, 'AMQP connection lost; reconnecting');
            void this.connect();
          }
        });
        this.conn = conn;
        for (const handler of this.readyHandlers) await handler(conn);
        return;
      } catch (err) {
        if (first && attempt === 0) this.log.warn({ err }, 'AMQP connection failed; retrying');
        await new Promise((r) => setTimeout(r, Math.min(5_000, 200 * 2 ** Math.min(attempt, 5))));
      }
    }
  }

  async close(): Promise<void> {
    this.closing = true;
    const conn = this.conn;
    this.conn = undefined;
    await conn?.close().catch(() => {});
  }
}

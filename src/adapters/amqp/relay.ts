// The outbox relay: moves committed jobs from the jobs table to RabbitMQ. A batch is claimed with
// FOR UPDATE SKIP LOCKED (any number of relays can run), published with publisher confirms, and
// marked 'sent' in the same transaction, so a crash either leaves the rows pending (published again
// later: consumers are idempotent) or marks only what the broker confirmed.
import type { ConfirmChannel } from 'amqplib';
import type { Db } from '../../ports/db.js';
import { Poll } from '../../jobs/poll.js';
import { DEFAULT_RETRY, type RetryPolicy } from '../../ports/jobs.js';
import type { AmqpConnection } from './connection.js';
import { declareJob, EXCHANGE } from './topology.js';

export interface RelayOptions {
  pollMs?: number;
  batch?: number;
  retry?: RetryPolicy;
  log?: { warn(obj: object, msg: string): void };
}

export class OutboxRelay {
  private channel: ConfirmChannel | undefined;
  private running = false;
  private loop: Promise<void> | undefined;
  private readonly poll: Poll;
  /** Job queues declared on the current channel. */
  private declared = new Set<string>();

  constructor(
    private readonly db: Db,
    private readonly conn: AmqpConnection,
    private readonly opts: RelayOptions = {},
  ) {
    this.poll = new Poll(opts.pollMs ?? 100);
  }

  async start(): Promise<void> {
    if (this.running) return;
    this.running = true;
    await this.conn.onReady(async (c) => {
      const ch = await c.createConfirmChannel();
      this.declared = new Set();
      ch.on('close', () => {
        if (this.channel === ch) this.channel = undefined;
      });
      this.channel = ch;
      this.poll.wake();
    });
    this.loop = this.run();
  }

  async stop(): Promise<void> {
    this.running = false;
    this.poll.wake();
    await this.loop;
    await this.channel?.close().catch(() => {});
    this.channel = undefined;
  }

  private async run(): Promise<void> {
    while (this.running) {
      let sent = 0;
      if (this.channel) {
        sent = await this.relayBatch(this.channel).catch((err: unknown) => {
          this.opts.log?.warn({ err }, 'relaying jobs to RabbitMQ failed; will retry');
          return 0;
        });
      }
      if (sent === 0) await this.poll.sleep();
    }
  }

  private relayBatch(ch: ConfirmChannel): Promise<number> {
    return this.db.tx(async (q) => {
      const rows = await q.query<{ id: string; name: string; payload: unknown; created_at: Date }>(
        `select id, name, payload, created_at from jobs where status = 'pending' and run_at <= now()
         order by id limit $1 for update skip locked`,
        [this.opts.batch ?? 100],
      );
      if (rows.length === 0) return 0;
      for (const row of rows) {
        // Declared before its first publish: a message routed to no queue yet would be lost.
        if (!this.declared.has(row.name)) {
          await declareJob(ch, row.name, this.opts.retry ?? DEFAULT_RETRY);
          this.declared.add(row.name);
        }
        ch.publish(EXCHANGE, row.name, Buffer.from(JSON.stringify({ id: row.id, name: row.name, payload: row.payload })), {
          persistent: true,
          contentType: 'application/json',
          messageId: row.id,
          // The enqueue time, from which consumers measure queue lag.
          headers: { 'x-attempt': 1, 'x-due-at': row.created_at.getTime() },
        });
      }
      await ch.waitForConfirms();
      await q.query(`update jobs set status = 'sent', finished_at = now() where id = any($1::bigint[])`, [rows.map((r) => r.id)]);
      return rows.length;
    });
  }
}

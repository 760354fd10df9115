// The outbox relay: moves committed jobs from the jobs table to RabbitMQ, and committed domain
// events from the domain_events table to the strobe.events exchange (features/events). A batch is claimed with
// FOR UPDATE SKIP LOCKED (any number of relays can run), published with publisher confirms, and
// marked 'sent' in the same transaction, so a crash either leaves the rows pending (published again
// later: consumers are idempotent) or marks only what the broker confirmed.
import type { ChannelModel, ConfirmChannel } from 'amqplib';
import pg from 'pg';
import type { Db } from '../../ports/db.js';
import { Poll } from '../../jobs/poll.js';
import { DEFAULT_RETRY, type RetryPolicy } from '../../ports/jobs.js';
import type { AmqpConnection } from './connection.js';
import { claimPendingEvents, markRelayed } from '../../features/events/events.js';
import { declareEvents, declareJob, EVENTS_EXCHANGE, EXCHANGE } from './topology.js';

export interface RelayOptions {
  pollMs?: number;
  batch?: number;
  retry?: RetryPolicy;
  /**
   * PostgreSQL to LISTEN on: a committed job (migration 6 notifies `strobe_jobs`) is relayed at once
   * rather than at the next poll, two hops of up to `pollMs` saved on every upload. Polling stays,
   * for a lost connection and for what was committed while it was away.
   */
  listenUrl?: string;
  log?: { warn(obj: object, msg: string): void };
}

const LISTEN_RETRY_MS = 1_000;
/**
 * How long a batch waits for the broker's confirms. A quorum queue confirms once a majority of its
 * nodes wrote the message; without a majority (a partition, two nodes of three down) it would wait
 * forever, holding the batch's rows locked. Given up, the channel is closed and the transaction
 * rolls back: the rows stay pending and go again on a fresh channel.
 */
const CONFIRM_TIMEOUT_MS = 30_000;
/**
 * Batches the broker refused in a row (basic.nack) before the relay leaves its node; each refusal
 * before that gets a fresh channel. Seen once in CI after the SIGKILL of a RabbitMQ 3.10 node: every
 * relay that had moved to one survivor was refused for minutes, fresh batches and all, while a
 * consumer on the other survivor went on. Its cause was not found; a fresh channel and another
 * node are the levers a client has.
 */
const REFUSALS_BEFORE_NEXT_NODE = 3;

export class OutboxRelay {
  private channel: ConfirmChannel | undefined;
  /** The connection `channel` belongs to. */
  private channelConn: ChannelModel | undefined;
  /** Batches refused in a row (see REFUSALS_BEFORE_NEXT_NODE). */
  private refusals = 0;
  private running = false;
  private loop: Promise<void> | undefined;
  private readonly poll: Poll;
  /** Job queues declared on the current channel. */
  private declared = new Set<string>();
  /** The events exchange is declared on the current channel. */
  private eventsDeclared = false;
  private listener: pg.Client | undefined;
  /** A job was committed after the current batch began: look again before sleeping. */
  private nudged = false;

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
    await this.conn.onReady((c) => this.openChannel(c));
    if (this.opts.listenUrl) await this.listen(this.opts.listenUrl);
    this.loop = this.run();
  }

  private async openChannel(c: ChannelModel): Promise<void> {
    const ch = await c.createConfirmChannel();
    this.declared = new Set();
    this.eventsDeclared = false;
    ch.on('error', (err: Error) => this.opts.log?.warn({ err }, 'the relay\'s AMQP channel failed'));
    ch.on('close', () => {
      if (this.channel === ch) this.channel = undefined;
    });
    this.conn.reopenOnClose(c, ch, () => this.running && !this.channel, () => this.openChannel(c), 'the relay\'s channel');
    this.channel = ch;
    this.channelConn = c;
    this.poll.wake();
  }

  private async listen(url: string): Promise<void> {
    const client = new pg.Client({ connectionString: url, application_name: 'strobe-relay' });
    let lost = false;
    const onLost = (err?: unknown) => {
      if (lost) return;
      lost = true;
      if (this.listener === client) this.listener = undefined;
      void client.end().catch(() => {});
      if (!this.running) return;
      this.opts.log?.warn({ err }, 'the outbox LISTEN connection was lost; polling until it is back');
      setTimeout(() => void (this.running && this.listen(url)), LISTEN_RETRY_MS).unref();
    };
    client.on('notification', () => {
      this.nudged = true;
      this.poll.wake();
    });
    client.on('error', onLost);
    client.on('end', () => onLost());
    try {
      await client.connect();
      await client.query('listen strobe_jobs');
      this.listener = client;
      this.poll.wake(); // what was committed while it was away
    } catch (err) {
      onLost(err);
    }
  }

  async stop(): Promise<void> {
    this.running = false;
    this.poll.wake();
    await this.loop;
    const listener = this.listener;
    this.listener = undefined;
    await listener?.end().catch(() => {});
    await this.channel?.close().catch(() => {});
    this.channel = undefined;
  }

  private async run(): Promise<void> {
    while (this.running) {
      let sent = 0;
      this.nudged = false;
      if (this.channel) {
        const channel = this.channel;
        sent = await this.relayBatch(channel).catch((err: unknown) => this.failed(channel, err, 'relaying jobs to RabbitMQ failed; will retry'));
        if (this.channel === channel) {
          sent += await this.relayEvents(channel).catch((err: unknown) => this.failed(channel, err, 'relaying domain events to RabbitMQ failed; will retry'));
        }
        if (sent > 0) this.refusals = 0;
      }
      if (sent === 0 && !this.nudged) await this.poll.sleep();
    }
  }

  /**
   * A batch that failed stays pending and goes again. One the broker refused goes on a fresh
   * channel, and after REFUSALS_BEFORE_NEXT_NODE refusals in a row on the next node of AMQP_URL.
   */
  private failed(ch: ConfirmChannel, err: unknown, message: string): number {
    this.opts.log?.warn({ err }, message);
    if (!isRefusal(err)) return 0;
    this.refusals++;
    if (this.refusals >= REFUSALS_BEFORE_NEXT_NODE && this.channelConn) {
      this.refusals = 0;
      this.conn.moveOn(this.channelConn, `RabbitMQ refused ${REFUSALS_BEFORE_NEXT_NODE} batches in a row`);
    } else {
      // Its close reopens a channel on the same connection (reopenOnClose).
      void ch.close().catch(() => {});
    }
    return 0;
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
      await confirmed(ch);
      await q.query(`update jobs set status = 'sent', finished_at = now() where id = any($1::bigint[])`, [rows.map((r) => r.id)]);
      return rows.length;
    });
  }

  /** Domain events, as jobs are: published with confirms, then marked in the same transaction. */
  private relayEvents(ch: ConfirmChannel): Promise<number> {
    return this.db.tx(async (q) => {
      const events = await claimPendingEvents(q, this.opts.batch ?? 100);
      if (events.length === 0) return 0;
      if (!this.eventsDeclared) {
        await declareEvents(ch);
        this.eventsDeclared = true;
      }
      for (const event of events) {
        ch.publish(EVENTS_EXCHANGE, event.type, Buffer.from(JSON.stringify(event)), {
          persistent: true,
          contentType: 'application/json',
          messageId: event.id,
          type: event.type,
          timestamp: Math.floor(Date.parse(event.occurredAt) / 1000),
          headers: { 'x-event-version': event.version },
        });
      }
      await confirmed(ch);
      await markRelayed(q, events.map((e) => e.id));
      return events.length;
    });
  }
}

/** amqplib's error for a publish the broker answered with basic.nack. */
function isRefusal(err: unknown): boolean {
  return err instanceof Error && err.message === 'message nacked';
}

/** Every publish on the channel confirmed, or the channel closed and an error after CONFIRM_TIMEOUT_MS. */
async function confirmed(ch: ConfirmChannel): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      void ch.close().catch(() => {});
      reject(new Error(`RabbitMQ did not confirm within ${CONFIRM_TIMEOUT_MS / 1000} s`));
    }, CONFIRM_TIMEOUT_MS);
  });
  try {
    await Promise.race([ch.waitForConfirms(), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

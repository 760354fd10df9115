// Cluster job runner: consumes RabbitMQ queues with manual acks and a prefetch. A failed attempt is
// re-published (with confirms) to the retry queue of its attempt, whose TTL is the back-off and
// which dead-letters it back to the job queue; after the last attempt it goes to the job's dead
// queue with its error, and the handler's onDead runs. Only then is the delivery acked, so a crash
// at any point means a redelivery, which idempotent handlers absorb.
import type { ChannelModel, ConfirmChannel, ConsumeMessage } from 'amqplib';
import { JobObservers } from '../../jobs/observers.js';
import { settleWithin } from '../../jobs/settle.js';
import {
  DEFAULT_RETRY,
  type DeadJob,
  type HandlerOptions,
  type Job,
  type JobHandler,
  type JobName,
  type JobObserver,
  type JobRunner,
  type QueueInfo,
  type RetryPolicy,
} from '../../ports/jobs.js';
import { inspectQueues, moveDead, peekDead } from './admin.js';
import type { AmqpConnection } from './connection.js';
import { deadQueueOf, declareJob, queueOf, retryQueueOf } from './topology.js';

export interface AmqpRunnerOptions {
  retry?: RetryPolicy;
  /** Unacknowledged deliveries per worker: jobs run at once. */
  prefetch?: number;
  /** Consume only these job names (`strobe worker --queues`). */
  only?: readonly string[];
  log?: { error(obj: object, msg: string): void; warn(obj: object, msg: string): void };
}

interface Registered {
  run: JobHandler<JobName>;
  opts: HandlerOptions<JobName>;
}

export class AmqpJobRunner implements JobRunner {
  private readonly handlers = new Map<JobName, Registered>();
  private readonly retry: RetryPolicy;
  private channel: ConfirmChannel | undefined;
  private consumerTags: string[] = [];
  private readonly inFlight = new Set<Promise<void>>();
  /** Deliveries neither acked nor handed back yet. */
  private readonly unsettled = new Map<ConsumeMessage, ConfirmChannel>();
  private stopping: Promise<void> | undefined;
  private running = false;
  private readonly observers = new JobObservers();

  constructor(
    private readonly conn: AmqpConnection,
    private readonly opts: AmqpRunnerOptions = {},
  ) {
    this.retry = opts.retry ?? DEFAULT_RETRY;
  }

  handle<N extends JobName>(name: N, handler: JobHandler<N>, opts: HandlerOptions<N> = {}): void {
    this.handlers.set(name, { run: handler, opts } as unknown as Registered);
  }

  async start(): Promise<void> {
    if (this.running) return;
    this.running = true;
    await this.conn.onReady((c) => this.consume(c));
  }

  /** A channel that consumes every handled queue; opened on each (re)connect. */
  private async consume(c: ChannelModel): Promise<void> {
    if (!this.running) return;
    const ch = await c.createConfirmChannel();
    ch.on('error', (err: Error) => this.opts.log?.warn({ err }, 'the job runner\'s AMQP channel failed'));
    ch.on('close', () => {
      if (this.channel === ch) this.channel = undefined;
    });
    this.conn.reopenOnClose(c, ch, () => this.running && !this.channel, () => this.consume(c), 'the job runner\'s channel');
    this.channel = ch;
    await ch.prefetch(this.opts.prefetch ?? 2);
    const tags: string[] = [];
    for (const [name] of this.handlers) {
      if (this.opts.only && !this.opts.only.includes(name)) continue;
      await declareJob(ch, name, this.retry);
      const { consumerTag } = await ch.consume(
        queueOf(name),
        (msg) => {
          if (msg) this.track(this.deliver(ch, name, msg));
          // The broker cancelled the consumer (its queue deleted, or moved away): start over.
          else if (this.running) void ch.close().catch(() => {});
        },
        { noAck: false },
      );
      tags.push(consumerTag);
    }
    if (this.channel === ch) this.consumerTags = tags;
  }

  /**
   * Stops taking jobs and waits up to `graceMs` for the running ones. Jobs still running then are
   * handed back (nacked with requeue) for another worker; their late results are discarded, and
   * idempotent handlers make the redelivery safe.
   */
  stop(graceMs = 6_000): Promise<void> {
    this.stopping ??= this.drain(graceMs);
    return this.stopping;
  }

  private async drain(graceMs: number): Promise<void> {
    this.running = false;
    const ch = this.channel;
    this.channel = undefined;
    // Cancelling the consumers first: nothing new arrives while the running jobs finish and ack.
    if (ch) for (const tag of this.consumerTags) await ch.cancel(tag).catch(() => {});
    await settleWithin(this.inFlight, graceMs);
    if (this.unsettled.size > 0) {
      this.opts.log?.warn({ jobs: this.unsettled.size }, 'handing unfinished jobs back to their queues');
      for (const [msg, channel] of this.unsettled) {
        try {
          channel.nack(msg, false, true);
        } catch {
          // its channel is gone, and the broker requeued the delivery already
        }
      }
      this.unsettled.clear();
    }
    await ch?.close().catch(() => {});
  }

  observe(observer: JobObserver): void {
    this.observers.add(observer);
  }

  inspect(names: readonly JobName[]): Promise<QueueInfo[]> {
    return inspectQueues(this.conn, names);
  }

  deadJobs(name: JobName, limit: number): Promise<DeadJob[]> {
    return peekDead(this.conn, name, limit);
  }

  retryDead(name: JobName): Promise<number> {
    return moveDead(this.conn, name);
  }

  private track(p: Promise<void>): void {
    this.inFlight.add(p);
    void p.finally(() => this.inFlight.delete(p));
  }

  private async deliver(ch: ConfirmChannel, name: JobName, msg: ConsumeMessage): Promise<void> {
    this.unsettled.set(msg, ch);
    try {
      await this.process(ch, name, msg);
    } finally {
      this.unsettled.delete(msg);
    }
  }

  /** Acks unless the drain already handed the delivery back. */
  private ack(ch: ConfirmChannel, msg: ConsumeMessage): boolean {
    if (!this.unsettled.has(msg)) return false;
    ch.ack(msg);
    this.unsettled.delete(msg);
    return true;
  }

  private async process(ch: ConfirmChannel, name: JobName, msg: ConsumeMessage): Promise<void> {
    const handler = this.handlers.get(name)!;
    let job: Job;
    try {
      const body = JSON.parse(msg.content.toString('utf8')) as { id: string; payload: Job['payload'] };
      job = { id: String(body.id), name, payload: body.payload, attempt: Number(msg.properties.headers?.['x-attempt'] ?? 1) };
    } catch {
      // A message no handler can read is dead on arrival: kept for the admin page, not retried.
      ch.sendToQueue(deadQueueOf(name), msg.content, { persistent: true, headers: { 'x-error': 'unreadable message' } });
      await ch.waitForConfirms().catch(() => {});
      this.ack(ch, msg);
      return;
    }
    const started = Date.now();
    // Stamped by the relay (the outbox commit) and by each retry (the end of its back-off).
    const dueAt = Number(msg.properties.headers?.['x-due-at']);
    this.observers.started(name, Number.isFinite(dueAt) ? started - dueAt : null);
    try {
      await handler.run(job);
      if (!this.ack(ch, msg)) return;
      this.observers.finished(name, 'done', Date.now() - started);
    } catch (err) {
      const error = err instanceof Error ? err.message : String(err);
      if (!this.unsettled.has(msg)) return; // handed back by the drain: the redelivery decides
      try {
        await this.failed(ch, handler, job, msg, error);
        this.ack(ch, msg);
        this.observers.finished(name, job.attempt >= this.retry.maxAttempts ? 'dead' : 'retry', Date.now() - started);
      } catch (e) {
        // The channel went away: the delivery returns to its queue by itself.
        this.opts.log?.warn({ err: e, job: job.id }, 'recording a job failure failed');
      }
    }
  }

  private async failed(ch: ConfirmChannel, handler: Registered, job: Job, msg: ConsumeMessage, error: string): Promise<void> {
    const headers = { ...msg.properties.headers, 'x-attempt': job.attempt + 1, 'x-error': error.slice(0, 1_000) };
    if (job.attempt >= this.retry.maxAttempts) {
      await handler.opts.onDead?.(job, error);
      ch.sendToQueue(deadQueueOf(job.name), msg.content, { persistent: true, contentType: 'application/json', headers });
    } else {
      const backoff = this.retry.backoffMs(job.attempt);
      ch.sendToQueue(retryQueueOf(job.name, job.attempt, backoff), msg.content, {
        persistent: true,
        contentType: 'application/json',
        headers: { ...headers, 'x-due-at': Date.now() + backoff },
      });
    }
    await ch.waitForConfirms();
  }
}

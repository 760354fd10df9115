// Embedded job runner: claims due jobs from the jobs table, runs them, and records the outcome.
// Retries wait with back-off; after the last attempt a job is dead-lettered (status 'dead') and the
// onDead hook runs. A job left 'running' by a crash is taken again once its lock expires.
import { JobObservers } from '../../jobs/observers.js';
import { Poll } from '../../jobs/poll.js';
import { settleWithin } from '../../jobs/settle.js';
import type { Db } from '../../ports/db.js';
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

export interface DbJobRunnerOptions {
  retry?: RetryPolicy;
  /** How often an idle runner looks for due jobs. */
  pollMs?: number;
  /** Jobs run at once. */
  concurrency?: number;
  /** How long a claimed job may run before another runner may take it. */
  lockMs?: number;
  log?: { error(obj: object, msg: string): void };
  /**
   * This runner is the only one on its database (embedded PGlite is one process), so a job still
   * 'running' at start was cut off by a crash and can run again at once, not after its lock expires.
   */
  exclusive?: boolean;
}

interface JobRow {
  id: string;
  name: JobName;
  payload: unknown;
  attempts: number;
  /** When the job became due: its enqueue, or the end of its retry back-off. */
  run_at: Date;
}

export class DbJobRunner implements JobRunner {
  private readonly handlers = new Map<JobName, { run: JobHandler<JobName>; opts: HandlerOptions<JobName> }>();
  private readonly retry: RetryPolicy;
  private running = false;
  private readonly inFlight = new Set<Promise<void>>();
  private readonly poll: Poll;
  private loop: Promise<void> | undefined;
  private readonly observers = new JobObservers();

  constructor(
    private readonly db: Db,
    private readonly opts: DbJobRunnerOptions = {},
  ) {
    this.retry = opts.retry ?? DEFAULT_RETRY;
    this.poll = new Poll(opts.pollMs ?? 100);
  }

  handle<N extends JobName>(name: N, handler: JobHandler<N>, opts: HandlerOptions<N> = {}): void {
    this.handlers.set(name, { run: handler, opts } as unknown as { run: JobHandler<JobName>; opts: HandlerOptions<JobName> });
  }

  async start(): Promise<void> {
    if (this.running) return;
    this.running = true;
    if (this.opts.exclusive) {
      await this.db.query(`update jobs set status = 'pending', locked_until = null, run_at = now() where status = 'running'`);
    }
    this.loop = this.run();
  }

  /** Jobs still running after `graceMs` stay claimed until their lock expires (or, exclusive, the next start). */
  async stop(graceMs = Infinity): Promise<void> {
    this.running = false;
    this.poll.wake();
    await this.loop;
    await settleWithin(this.inFlight, graceMs);
  }

  observe(observer: JobObserver): void {
    this.observers.add(observer);
  }

  async inspect(names: readonly JobName[]): Promise<QueueInfo[]> {
    const rows = await this.db.query<{ name: JobName; ready: number; dead: number }>(
      `select name,
              count(*) filter (where status = 'pending' and run_at <= now())::int as ready,
              count(*) filter (where status = 'dead')::int as dead
       from jobs where name = any($1::text[]) and status in ('pending', 'dead') group by name`,
      [names],
    );
    const byName = new Map(rows.map((r) => [r.name, r]));
    return names.map((name) => ({
      name,
      depth: byName.get(name)?.ready ?? 0,
      consumers: this.running && this.handlers.has(name) ? 1 : 0,
      dead: byName.get(name)?.dead ?? 0,
    }));
  }

  async deadJobs(name: JobName, limit: number): Promise<DeadJob[]> {
    const rows = await this.db.query<{ id: string; last_error: string | null; attempts: number }>(
      `select id, last_error, attempts from jobs where status = 'dead' and name = $1 order by id limit $2`,
      [name, limit],
    );
    return rows.map((r) => ({ id: r.id, name, error: r.last_error, attempts: r.attempts }));
  }

  async retryDead(name: JobName): Promise<number> {
    // The last error stays until the next attempt overwrites it: the admin page can still show it.
    const moved = await this.db.query(
      `update jobs set status = 'pending', attempts = 0, run_at = now(), finished_at = null
       where status = 'dead' and name = $1 returning id`,
      [name],
    );
    this.poll.wake();
    return moved.length;
  }

  private async run(): Promise<void> {
    const concurrency = this.opts.concurrency ?? 2;
    while (this.running) {
      let claimed = false;
      while (this.running && this.inFlight.size < concurrency) {
        const row = await this.claim().catch((err: unknown) => {
          this.opts.log?.error({ err }, 'claiming a job failed');
          return undefined;
        });
        if (!row) break;
        claimed = true;
        const p = this.execute(row).finally(() => {
          this.inFlight.delete(p);
          this.poll.wake();
        });
        this.inFlight.add(p);
      }
      if (!this.running) break;
      if (!claimed || this.inFlight.size >= concurrency) await this.poll.sleep();
    }
  }

  private async claim(): Promise<JobRow | undefined> {
    const names = [...this.handlers.keys()];
    if (names.length === 0) return undefined;
    const [row] = await this.db.query<JobRow>(
      `update jobs set status = 'running', attempts = attempts + 1,
              locked_until = now() + make_interval(secs => $2)
       where id = (
         select id from jobs
         where name = any($1::text[])
           and ((status = 'pending' and run_at <= now()) or (status = 'running' and locked_until < now()))
         order by run_at, id limit 1
         for update skip locked)
       returning id, name, payload, attempts, run_at`,
      [names, (this.opts.lockMs ?? 5 * 60_000) / 1000],
    );
    return row;
  }

  private async execute(row: JobRow): Promise<void> {
    const job: Job = { id: row.id, name: row.name, payload: row.payload as Job['payload'], attempt: row.attempts };
    const started = Date.now();
    this.observers.started(row.name, started - row.run_at.getTime());
    try {
      await this.handlers.get(row.name)!.run(job);
      await this.db.query(`update jobs set status = 'done', finished_at = now(), locked_until = null where id = $1`, [row.id]);
      this.observers.finished(row.name, 'done', Date.now() - started);
    } catch (err) {
      await this.failed(job, err instanceof Error ? err.message : String(err)).catch((e: unknown) =>
        this.opts.log?.error({ err: e, job: row.id }, 'recording a job failure failed'),
      );
      this.observers.finished(row.name, job.attempt >= this.retry.maxAttempts ? 'dead' : 'retry', Date.now() - started);
    }
  }

  private async failed(job: Job, error: string): Promise<void> {
    if (job.attempt >= this.retry.maxAttempts) {
      await this.handlers.get(job.name)?.opts.onDead?.(job, error);
      await this.db.query(`update jobs set status = 'dead', last_error = $2, finished_at = now(), locked_until = null where id = $1`, [job.id, error]);
      return;
    }
    await this.db.query(
      `update jobs set status = 'pending', last_error = $2, locked_until = null,
              run_at = now() + make_interval(secs => $3) where id = $1`,
      [job.id, error, this.retry.backoffMs(job.attempt) / 1000],
    );
  }
}

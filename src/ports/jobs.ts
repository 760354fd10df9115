// Background jobs. Producers write jobs into the database inside their own transaction (see
// jobs/outbox.ts); a JobRunner delivers them to handlers. Embedded mode runs them from the table;
// cluster mode relays them through RabbitMQ. Handlers must be idempotent: a job can run twice.

/** Job name -> payload. Features add their jobs here, so producers and consumers share one type. */
export interface JobPayloads {
  /** Used by the runner contract tests. */
  'test.echo': { value: string };
}
export type JobName = keyof JobPayloads;

export interface Job<N extends JobName = JobName> {
  id: string;
  name: N;
  payload: JobPayloads[N];
  /** 1 on the first run. */
  attempt: number;
}

export type JobHandler<N extends JobName> = (job: Job<N>) => Promise<void>;

export interface JobRunnerOptions {
  /** Runs before a job goes to the dead-letter store, e.g. to mark a photo failed. */
  onDead?: (job: Job, error: string) => Promise<void>;
}

export interface JobRunner {
  handle<N extends JobName>(name: N, handler: JobHandler<N>): void;
  /** Starts consuming the jobs that have handlers. */
  start(): Promise<void>;
  /** Stops taking jobs and waits for the running ones; what cannot finish is retried later. */
  stop(): Promise<void>;
}

export interface RetryPolicy {
  maxAttempts: number;
  /** Delay before attempt n+1 after attempt n failed. */
  backoffMs(attempt: number): number;
}

export const DEFAULT_RETRY: RetryPolicy = {
  maxAttempts: 5,
  backoffMs: (attempt) => Math.min(60_000, 500 * 2 ** (attempt - 1)),
};

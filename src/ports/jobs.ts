// Background jobs. Producers write jobs into the database inside their own transaction (see
// jobs/outbox.ts); a JobRunner delivers them to handlers. Embedded mode runs them from the table;
// cluster mode relays them through RabbitMQ. Handlers must be idempotent: a job can run twice.

/**
 * Job name -> payload: every job in the system, so producers and consumers share one type. Each
 * name is its own queue (cluster workers can take some queues only). What a job enqueues next is
 * in jobs/pipeline.ts.
 */
export interface JobPayloads {
  /** Used by the runner contract tests. */
  'test.echo': { value: string };
  /** Makes the variants of an uploaded photo and marks it ready (or failed). */
  'photo.resize': { photoId: string };
  /** Writes a ready photo into its followers' home timelines and publishes it live. */
  'photo.fanout': { photoId: string };
  /** Deletes blobs no photo refers to any more (after a delete, or the original after processing). */
  'blobs.purge': { media: string[]; uploads: string[] };
  /** Stores one notification (once per dedupe key) and pushes it to its user. */
  notify: NotifyPayload;
  /** Awards upload milestone badges the user has reached. */
  'badges.check': { userId: string };
  /** A new comment: notifies the photo's owner and the users it mentions (features/comments/comments.jobs.ts). */
  'comment.notify': { commentId: string };
  /** A photo became ready: notifies the users its caption mentions (features/comments/comments.jobs.ts). */
  'photo.mentions': { photoId: string };
  /** Deletes everything a user marked deleted owned, in batches; resumes where it stopped (features/accounts/accounts.jobs.ts). */
  'account.delete': { userId: string };
  /** Builds a user's data export zip and notifies them (features/accounts/accounts.jobs.ts). */
  'account.export': { exportId: string };
}

export interface NotifyPayload {
  userId: string;
  type: 'follow' | 'like' | 'photo.ready' | 'photo.failed' | 'badge' | 'comment' | 'mention' | 'export.ready';
  actorId?: string;
  photoId?: string;
  commentId?: string;
  /** The export an `export.ready` notification is about. */
  exportId?: string;
  badge?: number;
  reason?: string;
  /** The same key twice for one user stores one notification. */
  key: string;
}
export type JobName = keyof JobPayloads;

/** The jobs a worker can be restricted to (`strobe worker --queues`). */
export const JOB_NAMES = ['photo.resize', 'photo.fanout', 'blobs.purge', 'notify', 'badges.check', 'comment.notify', 'photo.mentions', 'account.delete', 'account.export'] as const satisfies readonly JobName[];

export interface Job<N extends JobName = JobName> {
  id: string;
  name: N;
  payload: JobPayloads[N];
  /** 1 on the first run. */
  attempt: number;
}

export type JobHandler<N extends JobName> = (job: Job<N>) => Promise<void>;

export interface HandlerOptions<N extends JobName> {
  /** Runs before the job goes to the dead-letter store after its last attempt, e.g. to mark a photo failed. */
  onDead?: (job: Job<N>, error: string) => Promise<void>;
}

export interface JobRunner {
  handle<N extends JobName>(name: N, handler: JobHandler<N>, opts?: HandlerOptions<N>): void;
  /** Starts consuming the jobs that have handlers. */
  start(): Promise<void>;
  /**
   * Stops taking jobs and waits for the running ones, at most `graceMs` where given; what cannot
   * finish is retried later (by another worker, or this one after a restart).
   */
  stop(graceMs?: number): Promise<void>;
  /** Reports every attempt this runner starts and ends (metrics, heartbeats). */
  observe(observer: JobObserver): void;
  /** What waits in each queue, who consumes it, and what was dead-lettered (the admin page). */
  inspect(names: readonly JobName[]): Promise<QueueInfo[]>;
  /** Up to `limit` dead-lettered jobs of a queue, oldest first. */
  deadJobs(name: JobName, limit: number): Promise<DeadJob[]>;
  /** Moves a queue's dead-lettered jobs back to it with fresh attempts; returns how many moved. */
  retryDead(name: JobName): Promise<number>;
}

export type JobOutcome = 'done' | 'retry' | 'dead';

export interface JobObserver {
  /**
   * An attempt starts; `lagMs` is how long the job waited in its queue after it became due, null
   * when the job does not say when that was (a message from before lag was stamped).
   */
  started(name: JobName, lagMs: number | null): void;
  finished(name: JobName, outcome: JobOutcome, durationMs: number): void;
}

export interface QueueInfo {
  name: JobName;
  /** Jobs ready to run now (not those waiting out a retry back-off). */
  depth: number;
  /** Consumers attached to the queue (RabbitMQ), or runners in this process handling it (embedded). */
  consumers: number;
  /** Jobs dead-lettered after their last attempt. */
  dead: number;
}

export interface DeadJob {
  id: string;
  name: JobName;
  /** The failure of the last attempt. */
  error: string | null;
  attempts: number;
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

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
  /**
   * A resize request: where to read the original and where to write each variant. Any resizer (Strobe's,
   * or one in another language) answers it with `photo.resized`; it never touches Strobe's tables.
   */
  'photo.resize': ResizeRequest;
  /** A resizer's reply: the variants written (and what it read from the image), or why it failed. */
  'photo.resized': ResizedReply;
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
  /** Crops an uploaded avatar to its two square sizes and sets it, unless a newer upload overtook it (features/profiles/profiles.jobs.ts). */
  'avatar.process': { userId: string; uploadKey: string };
  /** A domain event some webhook endpoints asked for: one delivery job per endpoint (features/webhooks). */
  'webhooks.dispatch': { eventId: string };
  /** One signed delivery of an event to an endpoint; retried with back-off by the job system. */
  'webhook.deliver': { eventId: string; endpointId: string };
}

/** Where a blob is: its key in a store, and with S3 a presigned URL to GET (originals) or PUT (variants) it. */
export interface BlobLocation {
  store: 'uploads' | 'media';
  key: string;
  url?: string;
}

export interface ResizeRequest {
  photoId: string;
  /** Absent in requests queued before this contract: Strobe's own resizer looks the photo up. */
  original?: BlobLocation;
  variants?: { display: BlobLocation & { width: number }; thumb: BlobLocation & { width: number } };
}

export type ResizedReply =
  | {
      photoId: string;
      ok: true;
      /** After auto-orientation. */
      width: number;
      height: number;
      variants: { display: { key: string; width: number; height: number }; thumb: { key: string; width: number; height: number } };
      /** A base64 thumbhash; null lets Strobe compute it from the thumb. */
      placeholder: string | null;
      /** From the EXIF GPS, before the metadata was dropped; null when absent. */
      gps: { lat: number; lon: number } | null;
    }
  | { photoId: string; ok: false; reason: string };

export interface NotifyPayload {
  userId: string;
  type: 'follow' | 'like' | 'photo.ready' | 'photo.failed' | 'badge' | 'comment' | 'mention' | 'export.ready' | 'message' | 'moderation' | 'webhook.disabled';
  actorId?: string;
  photoId?: string;
  commentId?: string;
  /** The export an `export.ready` notification is about. */
  exportId?: string;
  /** The conversation of a `message` notification. */
  conversationId?: string;
  /** What a `moderation` notification says was removed (`reason` says why). */
  removedType?: 'photo' | 'comment' | 'message';
  badge?: number;
  reason?: string;
  /** The same key twice for one user stores one notification. */
  key: string;
}
export type JobName = keyof JobPayloads;

/** The jobs a worker can be restricted to (`strobe worker --queues`). */
export const JOB_NAMES = ['photo.resize', 'photo.resized', 'photo.fanout', 'blobs.purge', 'notify', 'badges.check', 'comment.notify', 'photo.mentions', 'account.delete', 'account.export', 'avatar.process', 'webhooks.dispatch', 'webhook.deliver'] as const satisfies readonly JobName[];

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

// Cluster mode: PostgreSQL for data and the job outbox, Redis for sessions, realtime, presence and
// rate limits, RabbitMQ for jobs, and photos in an S3-compatible bucket (S3_BUCKET) or else in a
// directory shared by every process (one host or a shared volume). Every process also runs an
// outbox relay, so jobs reach RabbitMQ whichever instance committed them.
import { randomBytes } from 'node:crypto';
import { mkdirSync, readdirSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigError, type Config } from '../config.js';
import type { BlobStore } from '../ports/blobs.js';
import { AmqpConnection } from './amqp/connection.js';
import { AmqpJobRunner } from './amqp/job-runner.js';
import { OutboxRelay } from './amqp/relay.js';
import { migrate } from './db/migrate.js';
import { FsBlobStore } from './fs/blobs.js';
import { runChecks } from './health.js';
import type { AdapterOptions, Adapters } from './index.js';
import { openPostgres } from './pg/db.js';
import { RedisBus } from './redis/bus.js';
import { openRedis, pingAll, ready } from './redis/connection.js';
import { RedisPresence } from './redis/presence.js';
import { RedisRateLimiter } from './redis/rate-limit.js';
import { RedisSessionStore } from './redis/sessions.js';
import { S3BlobStore } from './s3/blobs.js';

/** Temporary upload files older than this belong to a process that died. */
const STALE_UPLOAD_MS = 60 * 60_000;

export async function openClusterAdapters(config: Config, opts: AdapterOptions): Promise<Adapters> {
  const warn = (obj: object, msg: string) => opts.log?.warn(obj, msg);
  const blobs = await openBlobStores(config); // first: a missing bucket is the cheapest failure to report
  const db = await openPostgres(config.databaseUrl!, { onError: (err) => warn({ err }, 'PostgreSQL connection error') });
  await migrate(db); // idempotent, and serialized by an advisory lock when instances start together
  const prefix = config.redisPrefix;
  const redis = await ready(openRedis(config.redisUrl!, 'strobe', { onError: (err) => warn({ err }, 'Redis connection error') }));
  const bus = await RedisBus.open(redis, { prefix, windowMs: config.replayWindowMs, maxEvents: config.replayMaxEvents });
  const presence = new RedisPresence(redis, prefix);
  const amqp = new AmqpConnection(config.amqpUrls, { warn });
  await amqp.connect();
  const relay = new OutboxRelay(db, amqp, { listenUrl: config.databaseUrl!, log: { warn } });
  await relay.start();
  const jobs = new AmqpJobRunner(amqp, { only: opts.queues, log: { error: (o, m) => opts.log?.error(o, m), warn } });
  const tmpDir = join(config.dataDir, 'tmp', randomBytes(6).toString('hex'));
  mkdirSync(tmpDir, { recursive: true });
  removeStaleUploads(join(config.dataDir, 'tmp'));
  return {
    db,
    sessions: new RedisSessionStore(redis, prefix),
    bus,
    presence,
    limiter: new RedisRateLimiter(redis, prefix),
    jobs,
    media: blobs.media,
    uploads: blobs.uploads,
    tmpDir,
    sessionSecret: config.sessionSecret!,
    health: () =>
      runChecks({
        database: () => db.ping(),
        async redis() {
          // Realtime delivery needs every shard's subscriber connection as much as commands need
          // every master (one of each on a single Redis).
          await Promise.all([bus.health(), pingAll(redis)]);
        },
        async amqp() {
          if (!amqp.current) throw new Error('connection lost; reconnecting');
        },
      }),
    async close() {
      // Each is released even when one before it fails: a connection that will not close cleanly
      // loses nothing at this point (requests and jobs are done), so it is reported, not fatal.
      const release = (what: string, step: () => unknown) =>
        Promise.resolve()
          .then(step)
          .catch((err: unknown) => warn({ err }, `closing ${what} failed`));
      await release('the job runner', () => jobs.stop());
      await release('the outbox relay', () => relay.stop());
      await release('RabbitMQ', () => amqp.close());
      await release('presence', () => presence.close());
      await release('the Redis bus', () => bus.close());
      await release('PostgreSQL', () => db.close());
      await release('the blob stores', () => blobs.close());
      rmSync(tmpDir, { recursive: true, force: true });
    },
  };
}

async function openBlobStores(config: Config): Promise<{ media: BlobStore; uploads: BlobStore; close(): void }> {
  if (!config.s3) {
    return { media: new FsBlobStore(join(config.dataDir, 'media')), uploads: new FsBlobStore(join(config.dataDir, 'uploads')), close() {} };
  }
  // One bucket, two prefixes: an operator creates and grants a single bucket.
  const media = new S3BlobStore({ ...config.s3, prefix: 'media/' });
  const uploads = new S3BlobStore({ ...config.s3, prefix: 'uploads/' });
  const close = () => {
    media.close();
    uploads.close();
  };
  try {
    await media.checkBucket();
  } catch (err) {
    close();
    throw new ConfigError('S3_BUCKET', (err as Error).message);
  }
  return { media, uploads, close };
}

/** Other processes share the directory: only what is old enough to be abandoned goes. */
function removeStaleUploads(root: string): void {
  const cutoff = Date.now() - STALE_UPLOAD_MS;
  for (const dir of readdirSync(root)) {
    const path = join(root, dir);
    try {
      if (statSync(path).mtimeMs < cutoff) rmSync(path, { recursive: true, force: true });
    } catch {
      // raced with its owner removing it
    }
  }
}

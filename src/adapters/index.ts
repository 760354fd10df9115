// Picks the implementation of each port from the configuration. This is the only place that knows
// which deployment is running.
import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigError, type Config } from '../config.js';
import type { BlobStore } from '../ports/blobs.js';
import type { RealtimeBus } from '../ports/bus.js';
import type { Db } from '../ports/db.js';
import type { JobRunner } from '../ports/jobs.js';
import type { PresenceStore } from '../ports/presence.js';
import type { RateLimiter } from '../ports/rate-limit.js';
import type { SessionStore } from '../ports/sessions.js';
import { openClusterAdapters } from './cluster.js';
import { runChecks, type HealthReport } from './health.js';
import { DbJobRunner } from './db/job-runner.js';
import { migrate } from './db/migrate.js';
import { openPglite } from './db/pglite.js';
import { DbSessionStore } from './db/sessions.js';
import { FsBlobStore } from './fs/blobs.js';
import { MemoryBus } from './memory/bus.js';
import { MemoryPresence } from './memory/presence.js';
import { MemoryRateLimiter } from './memory/rate-limit.js';

export interface Adapters {
  db: Db;
  sessions: SessionStore;
  bus: RealtimeBus;
  presence: PresenceStore;
  limiter: RateLimiter;
  jobs: JobRunner;
  /** Published variants, served under /media. */
  media: BlobStore;
  /** Originals waiting to be processed; never served. */
  uploads: BlobStore;
  /** Scratch space for uploads being received. */
  tmpDir: string;
  sessionSecret: string;
  /** Checks each dependency of the mode (database; in a cluster also redis and amqp), each within 1 s. */
  health(): Promise<HealthReport>;
  close(): Promise<void>;
}

export interface AdapterOptions {
  log?: { error(obj: object, msg: string): void; warn(obj: object, msg: string): void };
  /** Job names this process consumes (`strobe worker --queues`); all when absent. */
  queues?: readonly string[];
}

export async function openAdapters(config: Config, opts: AdapterOptions = {}): Promise<Adapters> {
  return config.mode === 'cluster' ? openClusterAdapters(config, opts) : openEmbeddedAdapters(config, opts);
}

async function openEmbeddedAdapters(config: Config, opts: AdapterOptions): Promise<Adapters> {
  const db = await openPglite(join(config.dataDir, 'db'));
  let sessionSecret: string;
  try {
    sessionSecret = config.sessionSecret ?? embeddedSecret(config.dataDir, opts.log);
    await migrate(db);
  } catch (err) {
    await db.close(); // and with it the data dir's lock
    throw err;
  }
  const sessions = new DbSessionStore(db);
  const bus = new MemoryBus({ windowMs: config.replayWindowMs, maxEvents: config.replayMaxEvents });
  const presence = new MemoryPresence();
  const limiter = new MemoryRateLimiter();
  const jobs = new DbJobRunner(db, { exclusive: true, log: opts.log });
  // Uploads being received when the process died are garbage: this process owns the data dir.
  const tmpDir = join(config.dataDir, 'tmp');
  rmSync(tmpDir, { recursive: true, force: true });
  mkdirSync(tmpDir, { recursive: true });
  return {
    db,
    sessions,
    bus,
    presence,
    limiter,
    jobs,
    media: new FsBlobStore(join(config.dataDir, 'media')),
    uploads: new FsBlobStore(join(config.dataDir, 'uploads')),
    tmpDir,
    sessionSecret,
    health: () => runChecks({ database: () => db.ping() }),
    async close() {
      await jobs.stop();
      await bus.close();
      await limiter.close();
      await sessions.close();
      await db.close();
    },
  };
}

/** As SESSION_SECRET requires. */
const MIN_SECRET_LENGTH = 32;

/**
 * One process needs no shared secret from the operator: it keeps its own beside the data. Callers
 * hold the data dir's lock (see db/pglite.ts), so no other process writes the file meanwhile.
 */
export function embeddedSecret(dataDir: string, log?: AdapterOptions['log']): string {
  const file = join(dataDir, 'session-secret');
  let stored: string | undefined;
  try {
    stored = readFileSync(file, 'utf8').trim();
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  if (stored !== undefined && stored.length >= MIN_SECRET_LENGTH) return stored;
  if (stored) {
    // Someone wrote it by hand: replacing it would sign everyone out without their knowing why.
    throw new ConfigError(file, `holds a session secret of ${stored.length} characters, and at least ${MIN_SECRET_LENGTH} are needed: put a longer one there (openssl rand -base64 32), or delete the file to have one generated (which signs everyone out)`);
  }
  // An empty file (a crash while an older version wrote it, a disk that filled up) would key every
  // session with the empty string.
  if (stored === '') log?.warn({ file }, 'the session secret file was empty: generated a new one, so everyone has to sign in again');
  mkdirSync(dataDir, { recursive: true });
  const secret = randomBytes(32).toString('base64url');
  // Whole or not at all: a crash mid-write leaves the old file (or none), never a truncated secret.
  const tmp = `${file}.${process.pid}.tmp`;
  try {
    writeFileSync(tmp, secret + '\n', { mode: 0o600, flush: true });
    renameSync(tmp, file);
  } finally {
    rmSync(tmp, { force: true });
  }
  return secret;
}

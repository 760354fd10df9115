// A real local cluster for fault tests and benchmarks: `strobe web` and `strobe worker` processes
// behind a real HAProxy, on the machine's PostgreSQL, Redis and RabbitMQ, in a database, vhost, key
// prefix and data dir of their own, all removed afterwards.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import { LocalCluster } from '../../src/cluster/local-cluster.js';
import { deleteRedisKeys, freshPostgres, freshVhost, RUN_ID, SERVICES } from './services.js';

const ROOT = new URL('../..', import.meta.url).pathname;

export interface IsolatedClusterOptions {
  web: number;
  workers: number;
  env?: Record<string, string>;
  /** The jobs the workers consume; all when absent. */
  workerQueues?: readonly string[];
  /** Extra node flags for every instance, e.g. `--cpu-prof` when profiling. */
  nodeFlags?: string[];
  /** AMQP_URL to use (e.g. a RabbitMQ cluster's nodes) instead of a fresh vhost on the machine's broker; the caller owns it. */
  amqpUrl?: string;
  /** REDIS_URL for the instances (e.g. a test's Redis Cluster); the machine's Redis when absent. */
  redisUrl?: string;
  /** What the run is (`test`, `bench`): names its Redis prefix and data dir. */
  purpose: string;
  nodeEnv: string;
  /** Lines of process output kept for error messages. */
  keepLines: number;
}

export interface IsolatedCluster {
  cluster: LocalCluster;
  /** Every process's lines, newest last, for failure messages. */
  logs: string[];
  redisPrefix: string;
  databaseUrl: string;
  amqpUrl: string;
  dataDir: string;
  /** Stops the processes and removes the database, vhost, keys and data dir; safe to call twice. */
  stop(): Promise<void>;
}

/** Starts a cluster in resources of its own; on a failed start it cleans up and throws with the logs. */
export async function isolatedCluster(opts: IsolatedClusterOptions): Promise<IsolatedCluster> {
  const ownVhost = () => ({ url: opts.amqpUrl!, dispose: async () => {} });
  const [pgDb, vhost] = await Promise.all([freshPostgres(), opts.amqpUrl ? ownVhost() : freshVhost()]);
  const dataDir = mkdtempSync(join(tmpdir(), `strobe-${opts.purpose}-`));
  const redisPrefix = `strobe-${opts.purpose}:${RUN_ID}:${randomBytes(3).toString('hex')}:`;
  const logs: string[] = [];
  const cluster = new LocalCluster({
    web: opts.web,
    workers: opts.workers,
    workerQueues: opts.workerQueues,
    port: 0,
    env: {
      ...process.env,
      NODE_ENV: opts.nodeEnv,
      DATABASE_URL: pgDb.url,
      REDIS_URL: opts.redisUrl ?? SERVICES.redis,
      AMQP_URL: vhost.url,
      REDIS_PREFIX: redisPrefix,
      SESSION_SECRET: randomBytes(24).toString('base64url'),
      DATA_DIR: dataDir,
      LOG_LEVEL: 'warn',
      // Tests and benchmarks sign many users up; a real cluster is invite-only by default.
      REGISTRATION: 'open',
      ...opts.env,
    },
    // The sources, as every e2e test runs them: no stale build can hide a change.
    command: [process.execPath, ...(opts.nodeFlags ?? []), '--import', 'tsx', `${ROOT}src/main.ts`],
    onLine: (name, line) => {
      logs.push(`${name}: ${line}`);
      if (logs.length > opts.keepLines) logs.shift();
    },
    onNotice: (message) => logs.push(`cluster: ${message}`),
  });
  let stopped: Promise<void> | undefined;
  const stop = () =>
    (stopped ??= (async () => {
      await cluster.stop().catch(() => {});
      // Another Redis (a test's cluster) is its owner's to remove.
      await Promise.all([pgDb.dispose(), vhost.dispose(), opts.redisUrl ? undefined : deleteRedisKeys(redisPrefix)]);
      rmSync(dataDir, { recursive: true, force: true });
    })());
  try {
    await cluster.start();
  } catch (err) {
    await stop();
    throw new Error(`${(err as Error).message}\n--- cluster logs ---\n${logs.join('\n')}`);
  }
  return { cluster, logs, redisPrefix, databaseUrl: pgDb.url, amqpUrl: vhost.url, dataDir, stop };
}

export interface TestCluster extends LocalCluster {
  logs: string[];
  /** DATA_DIR, shared by every process (the filesystem blob stores live under it). */
  dataDir: string;
  redisPrefix: string;
  databaseUrl: string;
  amqpUrl: string;
}

export async function startCluster(
  t: TestContext,
  opts: { web: number; workers: number; env?: Record<string, string>; workerQueues?: readonly string[]; redisUrl?: string },
): Promise<TestCluster> {
  const started = isolatedCluster({ ...opts, purpose: 'test', nodeEnv: 'test', keepLines: 400 });
  // Registered before the start resolves, so a test that fails meanwhile still cleans up.
  // Bounded: a stop that hangs must fail this file, not hold the whole run until CI gives up.
  t.after(async () => (await started.catch(() => undefined))?.stop(), { timeout: 120_000 });
  const c = await started;
  return Object.assign(c.cluster, { logs: c.logs, redisPrefix: c.redisPrefix, databaseUrl: c.databaseUrl, amqpUrl: c.amqpUrl, dataDir: c.dataDir });
}

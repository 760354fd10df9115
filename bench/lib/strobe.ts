// Strobe as the benchmarks run it: a real local cluster (web instances and workers as processes,
// behind HAProxy) on the machine's PostgreSQL, Redis and RabbitMQ, in a database, vhost, key prefix
// and data dir of its own, all removed by `stop()`. It runs the sources with tsx, like the e2e
// tests, so no stale build is measured; after start-up the code that runs is the same.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LocalCluster } from '../../src/cluster/local-cluster.js';
import { deleteRedisKeys, freshPostgres, freshVhost, SERVICES } from '../../test/helpers/services.js';

const ROOT = new URL('../..', import.meta.url).pathname;

export interface BenchCluster {
  cluster: LocalCluster;
  /** The load balancer. */
  url: string;
  databaseUrl: string;
  amqpUrl: string;
  redisPrefix: string;
  /** Last lines of every process, for error messages. */
  logs: string[];
  stop(): Promise<void>;
}

export interface BenchClusterOptions {
  web: number;
  workers: number;
  env?: Record<string, string>;
  /** Extra node flags for every instance, e.g. `--cpu-prof` when profiling. */
  nodeFlags?: string[];
}

export async function startBenchCluster(opts: BenchClusterOptions): Promise<BenchCluster> {
  const [pgDb, vhost] = await Promise.all([freshPostgres(), freshVhost()]);
  const dataDir = mkdtempSync(join(tmpdir(), 'strobe-bench-'));
  const redisPrefix = `strobe-bench:${randomBytes(4).toString('hex')}:`;
  const logs: string[] = [];
  const cluster = new LocalCluster({
    web: opts.web,
    workers: opts.workers,
    port: 0,
    env: {
      ...process.env,
      NODE_ENV: 'production',
      DATABASE_URL: pgDb.url,
      REDIS_URL: SERVICES.redis,
      AMQP_URL: vhost.url,
      REDIS_PREFIX: redisPrefix,
      SESSION_SECRET: randomBytes(24).toString('base64url'),
      DATA_DIR: dataDir,
      LOG_LEVEL: 'warn',
      ...opts.env,
    },
    command: [process.execPath, ...(opts.nodeFlags ?? []), '--import', 'tsx', `${ROOT}src/main.ts`],
    onLine: (name, line) => {
      logs.push(`${name}: ${line}`);
      if (logs.length > 200) logs.shift();
    },
    onNotice: (message) => logs.push(`cluster: ${message}`),
  });
  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    await cluster.stop().catch(() => {});
    await Promise.all([pgDb.dispose(), vhost.dispose(), deleteRedisKeys(redisPrefix)]);
    rmSync(dataDir, { recursive: true, force: true });
  };
  try {
    await cluster.start();
  } catch (err) {
    await stop();
    throw new Error(`${(err as Error).message}\n--- cluster logs ---\n${logs.join('\n')}`);
  }
  return { cluster, url: cluster.url, databaseUrl: pgDb.url, amqpUrl: vhost.url, redisPrefix, logs, stop };
}

/** Runs `fn` and always cleans up, also on Ctrl-C: a benchmark leaves nothing behind. */
export async function withCleanup<T>(cleanups: (() => Promise<void>)[], fn: () => Promise<T>): Promise<T> {
  const onSignal = () => {
    void Promise.allSettled(cleanups.map((c) => c())).then(() => process.exit(130));
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    return await fn();
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    await Promise.allSettled(cleanups.map((c) => c()));
  }
}

// A real local cluster for fault tests: `strobe web` and `strobe worker` processes behind a real
// HAProxy, on the machine's PostgreSQL, Redis and RabbitMQ, in a database, vhost, key prefix and
// data dir of their own, all removed afterwards.
import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import type { TestContext } from 'node:test';
import { LocalCluster } from '../../src/cluster/local-cluster.js';
import { freshDataDir } from './data-dir.js';
import { deleteRedisKeys, freshPostgres, freshVhost, RUN_ID, SERVICES } from './services.js';

const ROOT = new URL('../..', import.meta.url).pathname;

export interface TestCluster extends LocalCluster {
  /** Every process's lines, newest last, for failure messages. */
  logs: string[];
  redisPrefix: string;
  databaseUrl: string;
  amqpUrl: string;
}

export async function startCluster(t: TestContext, opts: { web: number; workers: number; env?: Record<string, string> }): Promise<TestCluster> {
  const [pgDb, vhost, dataDir] = await Promise.all([freshPostgres(), freshVhost(), freshDataDir()]);
  const redisPrefix = `strobe-test:${RUN_ID}:${randomBytes(3).toString('hex')}:`;
  const logs: string[] = [];
  const cluster = new LocalCluster({
    web: opts.web,
    workers: opts.workers,
    port: 0,
    env: {
      ...process.env,
      NODE_ENV: 'test',
      DATABASE_URL: pgDb.url,
      REDIS_URL: SERVICES.redis,
      AMQP_URL: vhost.url,
      REDIS_PREFIX: redisPrefix,
      SESSION_SECRET: randomBytes(24).toString('base64url'),
      DATA_DIR: dataDir,
      LOG_LEVEL: 'warn',
      ...opts.env,
    },
    // The sources, as every other e2e test runs them: no stale build can hide a change.
    command: [process.execPath, '--import', 'tsx', `${ROOT}src/main.ts`],
    onLine: (name, line) => {
      logs.push(`${name}: ${line}`);
      if (logs.length > 400) logs.shift();
    },
    onNotice: (message) => logs.push(`cluster: ${message}`),
  });
  t.after(async () => {
    await cluster.stop().catch(() => {});
    await Promise.all([pgDb.dispose(), vhost.dispose(), deleteRedisKeys(redisPrefix)]);
    rmSync(dataDir, { recursive: true, force: true });
  });
  try {
    await cluster.start();
  } catch (err) {
    throw new Error(`${(err as Error).message}\n--- cluster logs ---\n${logs.join('\n')}`);
  }
  return Object.assign(cluster, { logs, redisPrefix, databaseUrl: pgDb.url, amqpUrl: vhost.url });
}

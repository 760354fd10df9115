// The real PostgreSQL, Redis and RabbitMQ for cluster tests, isolated per test run: a database, a
// key prefix and a vhost of their own, removed afterwards. Outside CI a missing service skips the
// suite loudly; in CI (CI=true) it fails, because cluster tests must never silently skip.
import { execSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { connect as tcpConnect } from 'node:net';
import { test } from 'node:test';
import pg from 'pg';

export const SERVICES = {
  postgres: process.env.TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres',
  redis: process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379',
  amqp: process.env.TEST_AMQP_URL ?? 'amqp://guest:guest@127.0.0.1:5672',
  rabbitAdmin: process.env.TEST_RABBIT_ADMIN ?? 'http://guest:guest@127.0.0.1:15672',
};

export const RUN_ID = `t${Date.now().toString(36)}${randomBytes(3).toString('hex')}`;

function connectsOnce(url: string, timeoutMs: number): Promise<boolean> {
  const u = new URL(url);
  return new Promise((resolve) => {
    const socket = tcpConnect({ host: u.hostname, port: Number(u.port) }, () => {
      socket.destroy();
      resolve(true);
    });
    socket.setTimeout(timeoutMs, () => (socket.destroy(), resolve(false)));
    socket.on('error', () => resolve(false));
  });
}

/**
 * Whether the service accepts connections. Asked three times, 3 s each: on a busy 2-core machine a
 * test's own work (a server starting beside it) can hold this process's event loop past a short
 * timeout, and a running service must not read as missing (in CI that fails the run).
 */
async function reachable(url: string): Promise<boolean> {
  for (let attempt = 0; attempt < 3; attempt++) {
    if (await connectsOnce(url, 3_000)) return true;
  }
  return false;
}

/**
 * Call at the top of a test file, before defining its tests. True when the services are up. When
 * one is missing: in CI it throws (cluster tests never skip there); elsewhere it registers a skipped
 * test that says what is missing, prints a loud line, and returns false.
 */
export async function servicesUp(which: ('postgres' | 'redis' | 'amqp')[]): Promise<boolean> {
  const missing: string[] = [];
  for (const name of which) if (!(await reachable(SERVICES[name]))) missing.push(`${name} (${SERVICES[name]})`);
  if (missing.length === 0) return true;
  const message = `cluster tests need ${missing.join(', ')}, which is not reachable`;
  if (process.env.CI) throw new Error(`${message}; in CI cluster tests never skip (.ci/run starts the services)`);
  console.error(`\n!!! SKIPPED: ${message}. Start it (see .ci/run) to run these tests. !!!\n`);
  test(`SKIPPED: ${message}`, { skip: message }, () => {});
  return false;
}

/** A new, empty PostgreSQL database for one test; dropped by the disposer. */
export async function freshPostgres(): Promise<{ url: string; dispose(): Promise<void> }> {
  const name = `strobe_${RUN_ID}_${randomBytes(3).toString('hex')}`;
  const admin = new pg.Client({ connectionString: SERVICES.postgres });
  await admin.connect();
  await admin.query(`create database ${name}`);
  await admin.end();
  const url = new URL(SERVICES.postgres);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    async dispose() {
      const c = new pg.Client({ connectionString: SERVICES.postgres });
      await c.connect();
      await c.query(`drop database if exists ${name} with (force)`);
      await c.end();
    },
  };
}

/** A new RabbitMQ vhost (guest may use it) for one test; deleted by the disposer. */
export async function freshVhost(): Promise<{ url: string; dispose(): Promise<void> }> {
  const { execFile } = await import('node:child_process');
  const { promisify } = await import('node:util');
  const run = promisify(execFile);
  const name = `strobe_${RUN_ID}_${randomBytes(3).toString('hex')}`;
  await run('rabbitmqctl', ['add_vhost', name], { timeout: 30_000 });
  await run('rabbitmqctl', ['set_permissions', '-p', name, 'guest', '.*', '.*', '.*'], { timeout: 30_000 });
  const url = new URL(SERVICES.amqp);
  url.pathname = `/${encodeURIComponent(name)}`;
  return {
    url: url.toString(),
    async dispose() {
      await run('rabbitmqctl', ['delete_vhost', name], { timeout: 30_000 }).catch(() => {});
    },
  };
}

/** Deletes every Redis key under a test's prefix. */
export async function deleteRedisKeys(prefix: string): Promise<void> {
  const { Redis } = await import('ioredis');
  const redis = new Redis(SERVICES.redis, { lazyConnect: true, maxRetriesPerRequest: 3 });
  try {
    await redis.connect();
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
      if (keys.length) await redis.unlink(...keys);
      cursor = next;
    } while (cursor !== '0');
  } finally {
    redis.disconnect();
  }
}

/** The machine's own commands for stopping, starting and probing services (as .ci/run uses them). */
export const SERVICE_COMMANDS = {
  redis: {
    probe: 'redis-cli -h 127.0.0.1 -p 6379 ping | grep -q PONG',
    stop: 'redis-cli -h 127.0.0.1 -p 6379 shutdown nosave',
    start: 'redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" --appendonly no --dir /var/lib/redis --logfile /var/log/redis/ci.log',
  },
  rabbitmq: { probe: 'rabbitmq-diagnostics -q ping', stop: 'rabbitmqctl stop', start: 'rabbitmq-server -detached' },
} as const;

/** True when a shell command exits 0 (a service probe), within `timeoutMs`. */
export function commandSucceeds(command: string, timeoutMs = 10_000): boolean {
  try {
    execSync(command, { stdio: 'ignore', timeout: timeoutMs });
    return true;
  } catch {
    return false;
  }
}

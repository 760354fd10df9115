// A local Redis Cluster for tests: six `redis-server` processes (three masters with a replica each)
// on ports 7101-7106 (cluster bus 17101-17106), config and data under one temporary directory,
// nothing kept on disk. Created with `redis-cli --cluster create`; stopped and removed by `stop()`.
// The machine's own Redis (6379) is never touched.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { promisify } from 'node:util';
import calculateSlot from 'cluster-key-slot';

const run = promisify(execFile);
export const REDIS_CLUSTER_PORTS = [7101, 7102, 7103, 7104, 7105, 7106];
/** Short enough for a failover in a few seconds, long enough for a busy 2-core machine. */
export const NODE_TIMEOUT_MS = 2_000;

export interface RedisClusterNode {
  port: number;
  process: ChildProcess;
}

export interface RedisTestCluster {
  nodes: RedisClusterNode[];
  /** REDIS_URL for Strobe: `redis+cluster://127.0.0.1:7101,…` */
  url: string;
  /** Runs redis-cli against one node; returns its output. */
  cli(port: number, ...args: string[]): Promise<string>;
  /** The port of the master serving a key's slot now, asked of any live node. */
  masterOf(key: string): Promise<number>;
  /** The masters' ports, asked of any live node. */
  masters(): Promise<number[]>;
  /** SIGKILL of one node: a crash, no goodbye. */
  kill(port: number): void;
  /**
   * Resolves when every live node reports cluster_state:ok, every replica is in sync with its
   * master, and every live node names a live master for every slot.
   */
  waitUntilOk(timeoutMs?: number): Promise<void>;
  /** Stops every node and removes the directory; safe to call twice. */
  stop(): Promise<void>;
}

export async function startRedisCluster(): Promise<RedisTestCluster> {
  for (const port of REDIS_CLUSTER_PORTS) {
    // A node left over from a crashed run would join this cluster's traffic: refuse loudly.
    if (await answers(port)) throw new Error(`port ${port} already has a Redis; stop it (a previous test run's?) before running the cluster tests`);
  }
  const dir = mkdtempSync(join(tmpdir(), 'strobe-redis-cluster-'));
  const nodes: RedisClusterNode[] = [];
  const alive = new Set<number>();
  let stopped: Promise<void> | undefined;
  const stop = () =>
    (stopped ??= (async () => {
      process.off('exit', killAll);
      await Promise.all(nodes.map((n) => stopNode(n)));
      rmSync(dir, { recursive: true, force: true });
    })());
  const killAll = () => nodes.forEach((n) => n.process.kill('SIGKILL'));
  process.on('exit', killAll);

  const cli = async (port: number, ...args: string[]) => (await run('redis-cli', ['-h', '127.0.0.1', '-p', String(port), ...args], { timeout: 10_000 })).stdout;
  const anyLive = () => {
    const port = [...alive][0];
    if (port === undefined) throw new Error('no Redis cluster node is running');
    return port;
  };
  const slotsTable = async (): Promise<{ start: number; end: number; port: number }[]> => {
    const out = await cli(anyLive(), '--json', 'cluster', 'slots');
    return (JSON.parse(out) as [number, number, [string, number, string]][]).map(([start, end, master]) => ({ start, end, port: master[1] }));
  };

  try {
    for (const port of REDIS_CLUSTER_PORTS) {
      const nodeDir = join(dir, String(port));
      mkdirSync(nodeDir);
      const child = spawn(
        'redis-server',
        [
          '--port', String(port),
          '--bind', '127.0.0.1',
          '--cluster-enabled', 'yes',
          '--cluster-config-file', join(nodeDir, 'nodes.conf'),
          '--cluster-node-timeout', String(NODE_TIMEOUT_MS),
          '--dir', nodeDir,
          '--save', '',
          '--appendonly', 'no',
          '--logfile', join(nodeDir, 'redis.log'),
        ],
        { stdio: 'ignore' },
      );
      nodes.push({ port, process: child });
      alive.add(port);
      child.once('exit', () => alive.delete(port));
    }
    for (const port of REDIS_CLUSTER_PORTS) await waitFor(() => answers(port), 10_000, `Redis on ${port} to start`);
    await run('redis-cli', ['--cluster', 'create', ...REDIS_CLUSTER_PORTS.map((p) => `127.0.0.1:${p}`), '--cluster-replicas', '1', '--cluster-yes'], { timeout: 60_000 });
  } catch (err) {
    await stop();
    throw err;
  }

  const cluster: RedisTestCluster = {
    nodes,
    url: `redis+cluster://${REDIS_CLUSTER_PORTS.map((p) => `127.0.0.1:${p}`).join(',')}`,
    cli,
    async masterOf(key) {
      const slot = calculateSlot(key);
      const range = (await slotsTable()).find((r) => r.start <= slot && slot <= r.end);
      if (!range) throw new Error(`no master serves slot ${slot}`);
      return range.port;
    },
    async masters() {
      return [...new Set((await slotsTable()).map((r) => r.port))].sort();
    },
    kill(port) {
      nodes.find((n) => n.port === port)!.process.kill('SIGKILL');
    },
    async waitUntilOk(timeoutMs = 30_000) {
      await waitFor(
        async () => {
          const live = [...alive];
          const infos = await Promise.all(live.map((p) => cli(p, 'cluster', 'info').catch(() => '')));
          if (!infos.every((i) => i.includes('cluster_state:ok'))) return false;
          // A replica that has not synced yet would refuse to take over ("data too old").
          const replication = await Promise.all(live.map((p) => cli(p, 'info', 'replication').catch(() => '')));
          if (!replication.every((r) => r.includes('role:master') || r.includes('master_link_status:up'))) return false;
          // Every live node must name a live master for every slot.
          const tables = await Promise.all(live.map((p) => cli(p, '--json', 'cluster', 'slots').catch(() => '[]')));
          return tables.every((t) => {
            const ranges = JSON.parse(t) as [number, number, [string, number]][];
            const covered = ranges.reduce((n, [s, e]) => n + e - s + 1, 0);
            return covered === 16384 && ranges.every(([, , m]) => alive.has(m[1]));
          });
        },
        timeoutMs,
        'the Redis cluster to be ok',
      );
    },
    stop,
  };
  try {
    await cluster.waitUntilOk(60_000);
  } catch (err) {
    await stop();
    throw err;
  }
  return cluster;
}

async function stopNode(node: RedisClusterNode): Promise<void> {
  if (node.process.exitCode !== null || node.process.signalCode !== null) return;
  const exited = new Promise((resolve) => node.process.once('exit', resolve));
  node.process.kill('SIGKILL');
  await Promise.race([exited, delay(5_000)]);
}

async function answers(port: number): Promise<boolean> {
  try {
    return (await run('redis-cli', ['-h', '127.0.0.1', '-p', String(port), 'ping'], { timeout: 2_000 })).stdout.includes('PONG');
  } catch {
    return false;
  }
}

async function waitFor(check: () => Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await delay(100);
  }
}

/**
 * Call at the top of a test file: true when `redis-server` and `redis-cli` are installed. When not,
 * in CI it throws (cluster tests never skip there); elsewhere it registers a skipped test, loudly.
 */
export async function redisClusterAvailable(): Promise<boolean> {
  const { test } = await import('node:test');
  try {
    await run('redis-server', ['--version'], { timeout: 5_000 });
    await run('redis-cli', ['--version'], { timeout: 5_000 });
    return true;
  } catch {
    const message = 'the Redis Cluster tests need redis-server and redis-cli (Debian package redis-server)';
    if (process.env.CI) throw new Error(`${message}; in CI cluster tests never skip`);
    console.error(`\n!!! SKIPPED: ${message}. !!!\n`);
    test(`SKIPPED: ${message}`, { skip: message }, () => {});
    return false;
  }
}

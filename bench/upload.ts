// Benchmark 3: upload → visible. A real cluster (2 web instances, 2 workers, HAProxy). Distinct
// 12 MP JPEGs are POSTed to /api/photos through the load balancer by signed-in uploaders, whom one
// follower follows. The follower has a socket on `home`, and an anonymous socket watches `latest`.
// Latency is from the start of the POST until `photo.ready` for that photo arrives on each socket.
// Each round runs 1 upload/s, then a ramp of rising offered rates, each from an empty queue, until
// latency keeps growing within a step (the queue builds) or an upload is lost; the highest rate
// before that is the round's sustained rate. Figures are medians over rounds.
//   npm run bench:upload
//   env: ROUNDS (3), STEADY_COUNT (30), RAMP ("3,4,5,6,7" uploads/s), STEP_S (10 s per ramp step),
//        UPLOADERS (24), PROFILE_DIR (write --cpu-prof profiles of every instance there)
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import amqp from 'amqplib';
import sharp from 'sharp';
import { queueOf } from '../src/adapters/amqp/topology.js';
import { processImage } from '../src/features/photos/images.js';
import { deleteRedisKeys } from '../test/helpers/services.js';
import { call, signUp, subscribe, type Session } from '../test/helpers/photos.js';
import { connect, type TestSocket } from '../test/helpers/sockets.js';
import { makePhoto } from './lib/photo.js';
import { median, percentile, round, writeResult } from './lib/results.js';
import { startBenchCluster, withCleanup, type BenchCluster } from './lib/strobe.js';
import { jpegVariants } from './upload/jpeg.js';
import { cpuMs, latencies, machineCpuMs, now, offer, STAGES, stages, stats, Watcher, type Sample, type StageKey } from './upload/measure.js';

const ROUNDS = Number(process.env.ROUNDS ?? 3);
const STEADY_RATE = 1;
const STEADY_COUNT = Number(process.env.STEADY_COUNT ?? 30);
const RAMP = (process.env.RAMP ?? '3,4,5,6,7').split(',').filter(Boolean).map(Number);
const STEP_S = Number(process.env.STEP_S ?? 10);
const UPLOADERS = Number(process.env.UPLOADERS ?? 24); // + the follower: within 30 registrations per IP
const DRAIN_MS = 30_000;
const PROFILE_DIR = process.env.PROFILE_DIR;
const TARGETS = { p50: 500, p99: 1500 };
const T0 = Date.now();

/** Latency "keeps growing" within a step when its last third is this much slower than its first. */
const GROWTH = { minMs: 250, factor: 0.5 };

interface Phase {
  rate: number;
  offered: number;
  home: ReturnType<typeof stats>;
  latest: ReturnType<typeof stats>;
  both: ReturnType<typeof stats>;
  missing: number;
  /** p50 of the later of the two latencies over the first and the last third of the uploads. */
  firstThirdP50: number;
  lastThirdP50: number;
  growing: boolean;
  sustained: boolean;
  /** Uploads visible per second, from the first POST to the last photo seen. */
  achievedPerS: number;
  stagesP50: Record<string, number>;
  stagesP99: Record<string, number>;
  /** CPU time per upload (ms) by process group, and the machine's busy share over the phase. */
  cpuPerUploadMs: Record<string, number>;
  machineBusy: number;
  /** photo.resize messages waiting in RabbitMQ (ready, not yet delivered), sampled every 100 ms. */
  resizeQueue: { max: number; mean: number };
  samples: { home: number[]; latest: number[]; both: number[] };
}

async function main(): Promise<void> {
  const base = await makePhoto();
  const variants = jpegVariants(base);
  // What the resize costs alone, in this process, for reference against the stage figures.
  const alone: number[] = [];
  for (let i = 0; i < 3; i++) {
    const t = now();
    await processImage(variants.variant(variants.count - 1 - i));
    alone.push(now() - t);
  }
  const profileDir = PROFILE_DIR ? (mkdirSync(PROFILE_DIR, { recursive: true }), PROFILE_DIR) : undefined;
  console.log(`[${Math.round((Date.now() - T0) / 1000)} s] photo made, resize alone ${round(median(alone))} ms; starting the cluster`);
  const bc = await startBenchCluster({
    web: 2,
    workers: 2,
    ...(profileDir ? { nodeFlags: ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] } : {}),
  });
  const sockets: TestSocket[] = [];
  let amqpConn: amqp.ChannelModel | undefined;
  const cleanups = [
    async () => {
      for (const s of sockets) s.close();
      await amqpConn?.close().catch(() => {});
    },
    async () => {
      const t = Date.now();
      await bc.stop();
      console.log(`cluster stopped and removed in ${round((Date.now() - t) / 1000)} s`);
    },
  ];
  await withCleanup(cleanups, async () => {
    const pids = Object.fromEntries([...bc.cluster.instances.values()].map((i) => [i.name, i.child!.pid!]));
    if (profileDir) writeFileSync(join(profileDir, 'pids.json'), JSON.stringify(pids));
    console.log(`[${Math.round((Date.now() - T0) / 1000)} s] cluster up`);
    const { follower, cookies } = await audience(bc);
    const homeSocket = await connect(bc.url, follower.cookie);
    const latestSocket = await connect(bc.url);
    sockets.push(homeSocket, latestSocket);
    await subscribe(homeSocket, 'home');
    await subscribe(latestSocket, 'latest');
    const home = new Watcher(homeSocket, 'home');
    const latest = new Watcher(latestSocket, 'latest');

    amqpConn = await amqp.connect(bc.amqpUrl);
    const ch = await amqpConn.createChannel();
    let depth: number[] = [];
    const poll = setInterval(() => {
      ch.checkQueue(queueOf('photo.resize')).then(
        (q) => depth.push(q.messageCount),
        () => {},
      );
    }, 100);

    let counter = 0;
    const run = async (rate: number, count: number): Promise<Phase> => {
      // The uploaders share 30 uploads per 10 minutes each: the harness clears this run's upload
      // rate-limit counters before every phase (and only those).
      await deleteRedisKeys(`${bc.redisPrefix}rl:photos:upload:`);
      depth = [];
      const cpuBefore = cpuByGroup(pids);
      const machineBefore = machineCpuMs();
      const samples = await offer({ url: bc.url, rate, count, cookies, photo: (n) => variants.variant(n), next: () => counter++, home, latest, drainMs: DRAIN_MS });
      const machineAfter = machineCpuMs();
      const cpuAfter = cpuByGroup(pids);
      return summarize(bc, rate, samples, cpuBefore, cpuAfter, (machineAfter.busy - machineBefore.busy) / (machineAfter.total - machineBefore.total), depth);
    };

    try {
      // Warm-up, not measured: JIT, the workers' first sharp calls, the queues' declarations.
      const warm = await run(STEADY_RATE, 4);
      if (warm.missing > 0) throw new Error(`warm-up: ${warm.missing} of 4 uploads never became visible\n${bc.logs.slice(-30).join('\n')}`);

      const rounds: { steady: Phase; ramp: Phase[]; sustainedRate: number }[] = [];
      for (let r = 0; r < ROUNDS; r++) {
        const steady = await run(STEADY_RATE, STEADY_COUNT);
        log(`round ${r + 1}`, steady);
        const ramp: Phase[] = [];
        for (const rate of RAMP) {
          const step = await run(rate, Math.round(rate * STEP_S));
          ramp.push(step);
          log(`round ${r + 1} ramp`, step);
          if (!step.sustained) break;
        }
        const sustainedRate = Math.max(0, ...ramp.filter((p, i) => p.sustained && ramp.slice(0, i).every((q) => q.sustained)).map((p) => p.rate));
        rounds.push({ steady, ramp, sustainedRate });
        console.log(`round ${r + 1}: sustained ${sustainedRate} uploads/s`);
      }
      report(rounds, alone, base.length, variants.count);
    } finally {
      clearInterval(poll);
    }
  });
}

/** A follower and the uploaders it follows, all registered over HTTP (25 registrations). */
async function audience(bc: BenchCluster): Promise<{ follower: Session; cookies: string[] }> {
  const follower = await signUp(bc.url, 'follower');
  const uploaders: Session[] = [];
  for (let i = 0; i < UPLOADERS; i++) uploaders.push(await signUp(bc.url, `uploader${i}`));
  for (const u of uploaders) {
    const res = await call(bc.url, 'PUT', `/api/users/${u.username}/follow`, { cookie: follower.cookie });
    if (res.status !== 200) throw new Error(`follow ${u.username}: ${res.status} ${JSON.stringify(res.body)}`);
  }
  return { follower, cookies: uploaders.map((u) => u.cookie) };
}

function cpuByGroup(pids: Record<string, number>): Record<string, number> {
  const groups: Record<string, number> = { web: 0, worker: 0, 'bench client': process.cpuUsage().user / 1000 + process.cpuUsage().system / 1000 };
  for (const [name, pid] of Object.entries(pids)) {
    const group = name.startsWith('web') ? 'web' : name.startsWith('worker') ? 'worker' : null;
    if (group) groups[group]! += cpuMs(pid);
  }
  return groups;
}

async function summarize(
  bc: BenchCluster,
  rate: number,
  samples: Sample[],
  cpuBefore: Record<string, number>,
  cpuAfter: Record<string, number>,
  machineBusy: number,
  depth: number[],
): Promise<Phase> {
  const lat = latencies(samples);
  const ordered = samples.filter((s) => s.home && s.latest).sort((a, b) => a.upload.sentAt - b.upload.sentAt);
  const third = Math.max(1, Math.floor(ordered.length / 3));
  const visible = (s: Sample) => Math.max(s.home!.at, s.latest!.at) - s.upload.sentAt;
  const firstThirdP50 = percentile(ordered.slice(0, third).map(visible), 50);
  const lastThirdP50 = percentile(ordered.slice(-third).map(visible), 50);
  const growing = lastThirdP50 - firstThirdP50 > Math.max(GROWTH.minMs, GROWTH.factor * firstThirdP50);
  const span = ordered.length > 0 ? Math.max(...ordered.map((s) => Math.max(s.home!.at, s.latest!.at))) - ordered[0]!.upload.sentAt : NaN;
  const st = await stages(bc.databaseUrl, samples);
  const pick = (p: number) => Object.fromEntries(Object.entries(STAGES).map(([label, key]) => [label, round(percentile(st[key as StageKey], p))]));
  const uploads = samples.length;
  const failures = samples.filter((s) => s.upload.status !== 202).map((s) => `${s.upload.status} ${s.upload.error}`);
  if (failures.length > 0) console.log(`  refused: ${[...new Set(failures)].join(', ')}`);
  return {
    rate,
    offered: uploads,
    home: stats(lat.home),
    latest: stats(lat.latest),
    both: stats(lat.both),
    missing: lat.missing,
    firstThirdP50: round(firstThirdP50),
    lastThirdP50: round(lastThirdP50),
    growing,
    sustained: lat.missing === 0 && !growing,
    achievedPerS: round((ordered.length / span) * 1000, 2),
    stagesP50: pick(50),
    stagesP99: pick(99),
    cpuPerUploadMs: Object.fromEntries(Object.keys(cpuAfter).map((k) => [k, round((cpuAfter[k]! - cpuBefore[k]!) / uploads)])),
    machineBusy: round(machineBusy, 2),
    resizeQueue: { max: depth.length ? Math.max(...depth) : 0, mean: round(depth.length ? depth.reduce((a, b) => a + b, 0) / depth.length : 0, 2) },
    samples: { home: lat.home.map((v) => round(v)), latest: lat.latest.map((v) => round(v)), both: lat.both.map((v) => round(v)) },
  };
}

function log(what: string, p: Phase): void {
  console.log(
    `[${Math.round((Date.now() - T0) / 1000)} s] ${what} ${p.rate}/s ×${p.offered}: visible p50 ${p.both.p50} p99 ${p.both.p99} ms (home p50 ${p.home.p50}, latest p50 ${p.latest.p50}); ` +
      `thirds ${p.firstThirdP50}→${p.lastThirdP50}; missing ${p.missing}; ${p.achievedPerS}/s; queue max ${p.resizeQueue.max}; ` +
      `busy ${p.machineBusy}; cpu/upload ${JSON.stringify(p.cpuPerUploadMs)}`,
  );
}

function report(rounds: { steady: Phase; ramp: Phase[]; sustainedRate: number }[], alone: number[], bytes: number, distinct: number): void {
  const med = (f: (r: (typeof rounds)[number]) => number) => round(median(rounds.map(f)));
  const sustainedRate = median(rounds.map((r) => r.sustainedRate));
  // The step at the sustained rate in each round that ran it, for its latency.
  const atSustained = rounds.flatMap((r) => r.ramp.filter((p) => p.rate === sustainedRate));
  const firstMissed = rounds.flatMap((r) => r.ramp.filter((p) => !p.sustained));
  const stageLabels = Object.keys(STAGES);
  const summary = {
    steady: {
      home: { p50: med((r) => r.steady.home.p50), p99: med((r) => r.steady.home.p99) },
      latest: { p50: med((r) => r.steady.latest.p50), p99: med((r) => r.steady.latest.p99) },
      both: { p50: med((r) => r.steady.both.p50), p99: med((r) => r.steady.both.p99) },
      missing: rounds.reduce((a, r) => a + r.steady.missing, 0),
      stagesP50: Object.fromEntries(stageLabels.map((l) => [l, med((r) => r.steady.stagesP50[l]!)])),
      cpuPerUploadMs: Object.fromEntries(Object.keys(rounds[0]!.steady.cpuPerUploadMs).map((k) => [k, med((r) => r.steady.cpuPerUploadMs[k]!)])),
      machineBusy: med((r) => r.steady.machineBusy),
    },
    sustainedRate,
    sustainedRates: rounds.map((r) => r.sustainedRate),
    atSustained: atSustained.length
      ? {
          rate: sustainedRate,
          both: { p50: round(median(atSustained.map((p) => p.both.p50))), p99: round(median(atSustained.map((p) => p.both.p99))) },
          home: { p50: round(median(atSustained.map((p) => p.home.p50))), p99: round(median(atSustained.map((p) => p.home.p99))) },
          latest: { p50: round(median(atSustained.map((p) => p.latest.p50))), p99: round(median(atSustained.map((p) => p.latest.p99))) },
          achievedPerS: round(median(atSustained.map((p) => p.achievedPerS)), 2),
          machineBusy: round(median(atSustained.map((p) => p.machineBusy)), 2),
          stagesP50: Object.fromEntries(stageLabels.map((l) => [l, round(median(atSustained.map((p) => p.stagesP50[l]!)))])),
          cpuPerUploadMs: Object.fromEntries(Object.keys(atSustained[0]!.cpuPerUploadMs).map((k) => [k, round(median(atSustained.map((p) => p.cpuPerUploadMs[k]!)))])),
        }
      : null,
    firstUnsustained: firstMissed.map((p) => ({ rate: p.rate, firstThirdP50: p.firstThirdP50, lastThirdP50: p.lastThirdP50, missing: p.missing, achievedPerS: p.achievedPerS })),
    resizeAloneMs: round(median(alone)),
  };
  const file = writeResult({
    name: 'upload',
    title: '3. Upload to visible',
    command: 'npm run bench:upload',
    machine: { sharp: `sharp ${sharp.versions.sharp}, libvips ${sharp.versions.vips}, sharp.concurrency ${sharp.concurrency()}` },
    setup: {
      cluster: '2 web instances + 2 workers behind HAProxy (real processes), PostgreSQL, Redis, RabbitMQ on this machine',
      photo: `4000×3000 JPEG q90 (${(bytes / 1e6).toFixed(1)} MB), EXIF Orientation 6; every upload a distinct copy (own comment segment and quantization tables, so distinct bytes and distinct variants; ${distinct} possible)`,
      users: `${UPLOADERS} uploaders and 1 follower registered over HTTP (25 registrations, within the 30 per IP); the follower follows every uploader`,
      rateLimit: "the harness deletes this run's upload rate-limit counters (Redis keys rl:photos:upload:*) before every phase; nothing else is bypassed",
      sockets: 'the follower on `home`, an anonymous client on `latest`, both socket.io (websocket) through HAProxy',
      steady: `${STEADY_COUNT} uploads at ${STEADY_RATE}/s per round`,
      ramp: `offered ${RAMP.join(', ')} uploads/s for ${STEP_S} s each (open loop), each step from an empty queue, until the last third of a step's uploads is slower than its first third by more than max(${GROWTH.minMs} ms, ${GROWTH.factor * 100} %), or an upload is lost`,
      rounds: ROUNDS,
      warmup: '4 uploads at 1/s before the first round, not measured',
    },
    perRound: rounds.map((r) => ({
      sustainedRate: r.sustainedRate,
      steady: { ...r.steady, samples: undefined },
      ramp: r.ramp.map((p) => ({ ...p, samples: undefined })),
    })),
    summary,
    samples: {
      steady: {
        home: rounds.flatMap((r) => r.steady.samples.home),
        latest: rounds.flatMap((r) => r.steady.samples.latest),
        both: rounds.flatMap((r) => r.steady.samples.both),
      },
      atSustained: { rate: sustainedRate, both: atSustained.flatMap((p) => p.samples.both) },
    },
    targets: TARGETS,
  });
  console.log(`summary: ${JSON.stringify(summary)}\nwrote ${file}`);
}

await main();
console.log(`[${Math.round((Date.now() - T0) / 1000)} s] done`);

// Benchmark 9: comments and chat under load. A cluster as it runs in production (two web instances
// and a worker behind HAProxy, on the machine's PostgreSQL, Redis and RabbitMQ) and USERS signed-in
// users, each with one socket through HAProxy watching the `chat:lobby` stream and one photo's
// `photo:<id>` stream (PHOTOS photos, USERS / PHOTOS watchers each). The users send through the
// public API: chat messages over their sockets (`chat:send`), comments over HTTP
// (`POST /api/photos/:id/comments`), one comment for every three chat messages, senders taken in
// turn so each stays within Strobe's per-user rate limits (nothing is bypassed). Every text ends
// with a stamp `|<step>|<send time>`; each receiver times every delivery on the same clock.
//
// A ladder of aggregate send rates (RATES, messages/s) reads how busy the machine is at each (all
// of its processes: /proc/stat); the rate at 70 % busy is interpolated between the two steps around
// it, then ROUNDS rounds run at that rate, and the report gives the median p99 from send to every
// viewer. Target: ≤ 50 ms.
//   npm run bench:converse   (USERS, PHOTOS, RATES, STEP_SECONDS, ROUNDS)
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import pg from 'pg';
import { io, type Socket } from 'socket.io-client';
import type { Envelope } from '../src/shared/realtime.js';
import { median, percentile, round, writeResult } from './lib/results.js';
import { startBenchCluster, withCleanup, type BenchCluster } from './lib/strobe.js';
import { seedSignedIn } from './memory/servers.js';

const env = (name: string, fallback: number) => Number(process.env[name] ?? fallback);
const USERS = env('USERS', 200);
const PHOTOS = env('PHOTOS', 20);
const STEP_SECONDS = env('STEP_SECONDS', 10);
const ROUNDS = env('ROUNDS', 3);
/** Within the limits: 20 chat messages per 10 s and 20 comments per minute per user. */
const RATES = (process.env.RATES ?? '10,20,40,80,160,240').split(',').map(Number);
const BUSY_TARGET = 0.7;
const P99_TARGET_MS = 50;
const COMMENT_EVERY = 4;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const now = () => performance.timeOrigin + performance.now();
const cleanups: (() => Promise<void>)[] = [];

/** Busy and total jiffies of the whole machine, from the first line of /proc/stat. */
function cpuTimes(): { busy: number; total: number } {
  const f = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number);
  const total = f.reduce((a, b) => a + b, 0);
  return { busy: total - f[3]! - f[4]!, total };
}

interface Viewer {
  socket: Socket;
  cookie: string;
  photoId: string;
}

export interface StepResult {
  rate: number;
  sent: number;
  refused: number;
  expected: number;
  received: number;
  missingPct: number;
  deliveriesPerS: number;
  p50: number;
  p99: number;
  /** Of the whole machine, 0–100 %. */
  busyPct: number;
}

export interface ConverseSummary {
  rateAt70: number;
  /** The per-user rate limits ended the ladder before the machine was that busy. */
  capped: boolean;
  p50: number;
  p99: number;
  busyPct: number;
  deliveriesPerS: number;
  missingPct: number;
  refused: number;
}

async function seedPhotos(bench: BenchCluster): Promise<string[]> {
  const db = new pg.Client({ connectionString: bench.databaseUrl });
  await db.connect();
  try {
    const { rows } = await db.query<{ id: string }>(
      `insert into photos (owner_id, caption, status, width, height, thumb_key, display_key, placeholder, created_at, ready_at, published_at)
       select u.id, 'A photo to talk about', 'ready', 1080, 1350, md5('t' || u.id) || '.webp', md5('d' || u.id) || '.webp', 'HBkSHYSIeHiPiHh8eJd4eTN0EEQG', now(), now(), now()
       from (select id from users order by id limit $1) u returning id`,
      [PHOTOS],
    );
    return rows.map((r) => r.id);
  } finally {
    await db.end();
  }
}

async function connectViewer(url: string, cookie: string, photoId: string): Promise<Viewer> {
  const socket = io(url, { transports: ['websocket'], extraHeaders: { cookie }, reconnection: false, forceNew: true });
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', () => resolve());
    socket.once('connect_error', reject);
  });
  for (const stream of ['chat:lobby', `photo:${photoId}`]) {
    const ack = (await socket.timeout(30_000).emitWithAck('subscribe', { stream })) as { ok: boolean };
    if (!ack.ok) throw new Error(`subscribe ${stream}: ${JSON.stringify(ack)}`);
  }
  return { socket, cookie, photoId };
}

/** The stamp at the end of a chat message's or a comment's text: [step, send time]. */
function stampOf(env: Envelope): [number, number] | undefined {
  const data = env.data as { text?: string; comment?: { text?: string } };
  const text = env.type === 'chat.message' ? data.text : env.type === 'comment.created' ? data.comment?.text : undefined;
  if (typeof text !== 'string') return undefined;
  const b = text.lastIndexOf('|');
  const a = text.lastIndexOf('|', b - 1);
  return a < 0 ? undefined : [Number(text.slice(a + 1, b)), Number(text.slice(b + 1))];
}

async function main(): Promise<void> {
  const started = Date.now();
  const secret = randomBytes(32).toString('base64url');
  const bench = await startBenchCluster({ web: 2, workers: 1, env: { SESSION_SECRET: secret } });
  cleanups.push(bench.stop);
  const viewers: Viewer[] = [];
  cleanups.push(async () => viewers.forEach((v) => v.socket.close()));
  const cookie = await seedSignedIn(bench, USERS, secret);
  const photos = await seedPhotos(bench);
  for (let i = 0; i < USERS; i += 20) {
    viewers.push(...(await Promise.all(Array.from({ length: Math.min(20, USERS - i) }, (_, k) => connectViewer(bench.url, cookie(i + k), photos[(i + k) % photos.length]!)))));
  }
  const watchers = new Map<string, number>();
  for (const v of viewers) watchers.set(v.photoId, (watchers.get(v.photoId) ?? 0) + 1);
  console.log(`${USERS} users connected through HAProxy, ${photos.length} photos, ${Math.round(USERS / photos.length)} watchers each`);

  const latencies = new Map<number, number[]>();
  for (const v of viewers) {
    v.socket.on('event', (env: Envelope) => {
      const stamp = stampOf(env);
      if (!stamp) return;
      const t = now();
      let list = latencies.get(stamp[0]);
      if (!list) latencies.set(stamp[0], (list = []));
      list.push(t - stamp[1]);
    });
  }

  let stepId = 0;
  let chatSeq = 0;
  let commentSeq = 0;
  async function runStep(rate: number, seconds: number, quiet = false): Promise<StepResult> {
    const step = ++stepId;
    const n = Math.max(1, Math.round(rate * seconds));
    let refused = 0;
    let expected = 0;
    const sends: Promise<void>[] = [];
    const cpu0 = cpuTimes();
    const start = now();
    for (let i = 0; i < n; ) {
      const wait = start + (i * 1000) / rate - now();
      if (wait > 0.5) await sleep(wait);
      for (const t = now(); i < n && start + (i * 1000) / rate <= t; i++) {
        const text = `message ${i} of step ${step}, mostly words and a link https://example.org/x |${step}|${now().toFixed(3)}`;
        if (i % COMMENT_EVERY === COMMENT_EVERY - 1) {
          const v = viewers[commentSeq++ % viewers.length]!;
          const photo = photos[commentSeq % photos.length]!;
          expected += watchers.get(photo) ?? 0;
          sends.push(
            fetch(`${bench.url}/api/photos/${photo}/comments`, {
              method: 'POST',
              headers: { cookie: v.cookie, 'content-type': 'application/json' },
              body: JSON.stringify({ text, clientId: randomBytes(8).toString('hex') }),
            }).then(async (res) => {
              if (res.status !== 201) refused++;
              await res.arrayBuffer();
            }),
          );
        } else {
          const v = viewers[chatSeq++ % viewers.length]!;
          expected += viewers.length;
          sends.push(
            (v.socket.timeout(30_000).emitWithAck('chat:send', { room: 'lobby', text, clientId: randomBytes(8).toString('hex') }) as Promise<{ ok: boolean }>).then(
              (ack) => void (ack.ok || refused++),
              () => void refused++,
            ),
          );
        }
      }
    }
    await Promise.all(sends);
    await sleep(1_500); // the last deliveries arrive
    const cpu1 = cpuTimes();
    const elapsed = (now() - start) / 1000;
    const got = latencies.get(step) ?? [];
    latencies.delete(step);
    const r: StepResult = {
      rate,
      sent: n,
      refused,
      expected,
      received: got.length,
      missingPct: round((100 * (expected - got.length)) / Math.max(1, expected), 2),
      deliveriesPerS: Math.round(got.length / seconds),
      p50: round(percentile(got, 50), 1),
      p99: round(percentile(got, 99), 1),
      busyPct: round((100 * (cpu1.busy - cpu0.busy)) / (cpu1.total - cpu0.total), 1),
    };
    if (!quiet) {
      console.log(
        `  ${rate} msg/s: ${r.deliveriesPerS} deliveries/s, p50 ${r.p50} ms, p99 ${r.p99} ms, missing ${r.missingPct} %, refused ${refused}, machine ${r.busyPct} % busy (${round(elapsed)} s)`,
      );
    }
    return r;
  }

  await runStep(RATES[0]!, 3, true); // warm-up
  const ladder: StepResult[] = [];
  for (const rate of RATES) {
    const r = await runStep(rate, STEP_SECONDS);
    ladder.push(r);
    await sleep(2_000);
    if (r.busyPct >= 100 * BUSY_TARGET + 15) break;
  }
  // The rate at 70 % busy, between the steps around it (or the last step when none reaches it).
  const above = ladder.findIndex((s) => s.busyPct >= 100 * BUSY_TARGET);
  let rateAt70: number;
  let capped = false;
  if (above <= 0) {
    rateAt70 = above === 0 ? ladder[0]!.rate : ladder.at(-1)!.rate;
    capped = above < 0;
  } else {
    const lo = ladder[above - 1]!;
    const hi = ladder[above]!;
    rateAt70 = round(lo.rate + ((100 * BUSY_TARGET - lo.busyPct) / (hi.busyPct - lo.busyPct)) * (hi.rate - lo.rate), 0);
  }
  console.log(`rate at ${BUSY_TARGET * 100} % busy: ${rateAt70} msg/s${capped ? ' (the per-user rate limits stop the ladder before the machine is that busy)' : ''}`);
  const rounds: StepResult[] = [];
  for (let k = 0; k < ROUNDS; k++) {
    rounds.push(await runStep(rateAt70, STEP_SECONDS));
    await sleep(2_000);
  }
  const summary: ConverseSummary = {
    rateAt70,
    capped,
    p50: median(rounds.map((r) => r.p50)),
    p99: median(rounds.map((r) => r.p99)),
    busyPct: median(rounds.map((r) => r.busyPct)),
    deliveriesPerS: median(rounds.map((r) => r.deliveriesPerS)),
    missingPct: Math.max(...rounds.map((r) => r.missingPct)),
    refused: rounds.reduce((a, r) => a + r.refused, 0),
  };
  const file = writeResult({
    name: 'converse',
    title: '9. Comments and chat under load',
    command: 'npm run bench:converse',
    users: USERS,
    photos: PHOTOS,
    commentEvery: COMMENT_EVERY,
    stepSeconds: STEP_SECONDS,
    ladder,
    rounds,
    summary,
    targets: { p99Ms: P99_TARGET_MS, busy: BUSY_TARGET },
    wallSeconds: Math.round((Date.now() - started) / 1000),
  });
  console.log(`summary: ${JSON.stringify(summary)}\nwrote ${file} in ${Math.round((Date.now() - started) / 1000)} s`);
}

await withCleanup(cleanups, main);

// Benchmark 6: fan-out on write. A user with 10,000 followers and a user with 100,000 followers
// (seeded with SQL in a real cluster: 1 web instance, 1 worker) each upload a real 12 MP JPEG
// through the API, once per round. For every photo it measures, from the moment the photo.fanout
// job could start (the outbox relay handed it to RabbitMQ, `jobs.finished_at` of its row):
//   - timelines: until every follower's home_timeline holds the photo. Fan-out writes followers in
//     id order, one committed statement per batch, so the last follower's row (a primary-key
//     lookup, polled every POLL_MS) appearing means every row is there; a count(*) then checks it;
//   - live: until the `photo.ready` events on every follower's `home:<id>` stream are published.
//     Every follower's stream is read back (XREVRANGE … COUNT 1) and the latest stream id's time
//     (Redis assigns it at the XADD) is the moment the last one was published; the last
//     follower's real `home` socket must also get the event live.
// It also records what the fan-out costs Redis: keys and MEMORY USAGE under the run's prefix,
// INFO used_memory, and INFO commandstats (the publish script's calls and server time).
//   npm run bench:write-fanout   (ROUNDS, SMALL, LARGE, POLL_MS to change the sizes; CPU_PROF_DIR to profile)
import { hash } from '@node-rs/argon2';
import { Redis } from 'ioredis';
import { historyKey } from '../src/adapters/redis/bus.js';
import pg from 'pg';
import { setTimeout as delay } from 'node:timers/promises';
import { FANOUT_BATCH } from '../src/features/photos/photos.pipeline.js';
import type { Envelope } from '../src/shared/realtime.js';
import { SERVICES } from '../test/helpers/services.js';
import { connect, type TestSocket } from '../test/helpers/sockets.js';
import { makePhoto } from './lib/photo.js';
import { median, round, writeResult } from './lib/results.js';
import { startBenchCluster, withCleanup, type BenchCluster } from './lib/strobe.js';

const ROUNDS = Number(process.env.ROUNDS ?? 3);
const SMALL = Number(process.env.SMALL ?? 10_000);
const LARGE = Number(process.env.LARGE ?? 100_000);
const POLL_MS = Number(process.env.POLL_MS ?? 5);
const TIMEOUT_MS = Number(process.env.TIMEOUT_MS ?? 120_000);
const PASSWORD = 'correct horse battery';
/** When set, every Strobe process writes a V8 CPU profile there (for the profile in the report). */
const CPU_PROF_DIR = process.env.CPU_PROF_DIR;

interface Author {
  label: string;
  username: string;
  id: string;
  cookie: string;
  followers: number;
  /** Follower ids, ascending (fan-out order). */
  first: string;
  last: string;
  socket?: TestSocket;
}

interface Sample {
  round: number;
  author: string;
  followers: number;
  photoId: string;
  /** Upload POST → photos.ready_at (resize done). */
  uploadToReadyMs: number;
  /** photos.ready_at → the job relayed to RabbitMQ (the outbox relay's poll). */
  readyToJobMs: number;
  /** Job relayed → every follower's timeline row committed. */
  timelinesMs: number;
  /** Job relayed → the last follower's home stream event published (Redis stream id time). */
  liveMs: number;
  /** The same two, from photos.ready_at. */
  timelinesFromReadyMs: number;
  liveFromReadyMs: number;
  /** Job relayed → the last follower's real `home` socket received the event. */
  socketMs: number;
  timelineRows: number;
  streamsWithEvent: number;
  redis: { evalCalls: number; evalServerMs: number; usedMemoryDeltaMiB: number };
}

/** A JPEG COM segment after the APPn segments: the same picture, different bytes (and content key). */
function withComment(jpeg: Buffer, text: string): Buffer {
  let pos = 2;
  while (jpeg[pos] === 0xff && jpeg[pos + 1]! >= 0xe0 && jpeg[pos + 1]! <= 0xef) pos += 2 + jpeg.readUInt16BE(pos + 2);
  const body = Buffer.from(text);
  const head = Buffer.from([0xff, 0xfe, 0, 0]);
  head.writeUInt16BE(body.length + 2, 2);
  return Buffer.concat([jpeg.subarray(0, pos), head, body, jpeg.subarray(pos)]);
}

async function api<T>(base: string, path: string, init: RequestInit & { cookie?: string }): Promise<{ status: number; body: T; cookie?: string }> {
  const headers = new Headers(init.headers);
  if (init.cookie) headers.set('cookie', init.cookie);
  const res = await fetch(`${base}${path}`, { ...init, headers, signal: AbortSignal.timeout(60_000) });
  const body = (await res.json()) as T;
  if (res.status >= 300) throw new Error(`${init.method ?? 'GET'} ${path}: ${res.status} ${JSON.stringify(body)}`);
  return { status: res.status, body, cookie: res.headers.get('set-cookie')?.split(';')[0] };
}

async function auth(base: string, path: 'register' | 'login', username: string): Promise<{ id: string; cookie: string }> {
  const res = await api<{ user: { id: string } }>(base, `/api/auth/${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username, password: PASSWORD }),
  });
  return { id: res.body.user.id, cookie: res.cookie! };
}

async function uploadPhoto(base: string, cookie: string, file: Buffer): Promise<string> {
  const form = new FormData();
  form.append('caption', 'write fan-out bench');
  form.append('file', new Blob([new Uint8Array(file)], { type: 'image/jpeg' }), 'photo.jpg');
  const res = await api<{ photo: { id: string } }>(base, '/api/photos', { method: 'POST', body: form, cookie });
  return res.body.photo.id;
}

async function until<T>(what: string, fn: () => Promise<T | undefined>, everyMs = POLL_MS): Promise<T> {
  const deadline = Date.now() + TIMEOUT_MS;
  for (;;) {
    const value = await fn();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${TIMEOUT_MS} ms waiting for ${what}`);
    await delay(everyMs);
  }
}

/** Creates `total` reader accounts (one argon2 hash for all) and the follows, set-based. */
async function seed(db: pg.Client, authors: Author[]): Promise<number> {
  const started = Date.now();
  const total = authors.reduce((n, a) => n + a.followers, 0);
  const passwordHash = await hash(PASSWORD);
  const [range] = (
    await db.query<{ lo: string; hi: string }>(
      `with added as (
         insert into users (username, password_hash) select 'reader_' || g, $1 from generate_series(1, $2::int) g returning id)
       select min(id)::text as lo, max(id)::text as hi from added`,
      [passwordHash, total],
    )
  ).rows;
  let lo = BigInt(range!.lo);
  for (const a of authors) {
    const hi = lo + BigInt(a.followers) - 1n;
    await db.query(`insert into follows (follower_id, followee_id) select id, $1 from users where id between $2 and $3`, [a.id, lo.toString(), hi.toString()]);
    a.first = lo.toString();
    a.last = hi.toString();
    lo = hi + 1n;
  }
  await db.query('analyze users; analyze follows; analyze home_timeline');
  return Date.now() - started;
}

/** INFO fields as numbers (memory) or the raw `cmdstat_*` lines' fields. */
async function redisInfo(redis: Redis): Promise<{ usedMemory: number; evalCalls: number; evalUsec: number }> {
  const [memory, stats] = await Promise.all([redis.info('memory'), redis.info('commandstats')]);
  const usedMemory = Number(/used_memory:(\d+)/.exec(memory)![1]);
  let evalCalls = 0;
  let evalUsec = 0;
  for (const m of stats.matchAll(/cmdstat_(evalsha|eval):calls=(\d+),usec=(\d+)/g)) {
    evalCalls += Number(m[2]);
    evalUsec += Number(m[3]);
  }
  return { usedMemory, evalCalls, evalUsec };
}

/** Keys and bytes (MEMORY USAGE) of the run's home streams, and how many hold this photo as their newest event. */
async function homeStreams(redis: Redis, prefix: string, author: Author | undefined, photoId?: string) {
  let keys = 0;
  let bytes = 0;
  let cursor = '0';
  do {
    const [next, batch] = await redis.scan(cursor, 'MATCH', `${prefix}{home:*}:s`, 'COUNT', 5_000);
    cursor = next;
    if (batch.length === 0) continue;
    const p = redis.pipeline();
    for (const k of batch) p.memory('USAGE', k, 'SAMPLES', '0');
    for (const [, v] of (await p.exec())!) bytes += Number(v);
    keys += batch.length;
  } while (cursor !== '0');
  let holding = 0;
  let lastMs = 0;
  let lastHolds = false;
  if (author && photoId) {
    const ids: bigint[] = [];
    for (let id = BigInt(author.first); id <= BigInt(author.last); id++) ids.push(id);
    for (let i = 0; i < ids.length; i += 5_000) {
      const p = redis.pipeline();
      for (const id of ids.slice(i, i + 5_000)) p.xrevrange(historyKey(prefix, `home:${id}`), '+', '-', 'COUNT', 1);
      for (const [k, [, v]] of (await p.exec())!.entries()) {
        const top = (v as [string, string[]][])[0];
        if (!top) continue;
        const data = top[1][top[1].indexOf('d') + 1]!;
        if ((JSON.parse(data) as { photo: { id: string } }).photo.id !== photoId) continue;
        holding++;
        lastMs = Math.max(lastMs, Number(top[0].slice(0, top[0].indexOf('-'))));
        if (i + k === ids.length - 1) lastHolds = true;
      }
    }
  }
  return { keys, bytes, holding, lastMs, lastHolds };
}

async function fanOutOnce(bc: BenchCluster, db: pg.Client, redis: Redis, author: Author, photo: Buffer, r: number): Promise<Sample> {
  const before = await redisInfo(redis);
  const posted = Date.now();
  const photoId = await uploadPhoto(bc.url, author.cookie, withComment(photo, `strobe write-fanout bench: round ${r}, ${author.label}`));
  const ready = await until(`photo ${photoId} ready`, async () => {
    const [row] = (await db.query<{ status: string; ready_at: Date | null }>('select status, ready_at from photos where id = $1', [photoId])).rows;
    if (row?.status === 'failed') throw new Error(`photo ${photoId} failed`);
    return row?.ready_at ?? undefined;
  });
  const timelinesAt = await until(`timelines of ${author.label}`, async () => {
    const [row] = (
      await db.query<{ at: Date; done: boolean }>(
        'select clock_timestamp() as at, exists(select 1 from home_timeline where user_id = $1 and photo_id = $2) as done',
        [author.last, photoId],
      )
    ).rows;
    return row!.done ? row!.at : undefined;
  });
  const jobAt = await until(`photo.fanout job of ${photoId}`, async () => {
    const [row] = (
      await db.query<{ finished_at: Date | null }>(`select finished_at from jobs where name = 'photo.fanout' and payload->>'photoId' = $1`, [photoId])
    ).rows;
    return row?.finished_at ?? undefined;
  });
  const socketEnv = (await author.socket!.waitFor((evs) => evs.some((e) => isReady(e, photoId)), TIMEOUT_MS)).find((e) => isReady(e, photoId))!;
  const socketAt = (socketEnv as Envelope & { receivedAt?: number }).receivedAt!;
  const [{ n }] = (await db.query<{ n: number }>('select count(*)::int as n from home_timeline where photo_id = $1', [photoId])).rows as [{ n: number }];
  const after = await redisInfo(redis);
  const streams = await homeStreams(redis, bc.redisPrefix, author, photoId);
  if (n !== author.followers + 1) throw new Error(`${author.label}: ${n} timeline rows, expected ${author.followers + 1}`);
  // The last follower is online, so its stream must hold the event whatever the bus's policy for
  // streams nobody listens to (Strobe as shipped writes every follower's stream: then all must).
  if (!streams.lastHolds) throw new Error(`${author.label}: the online follower's home stream does not hold the event`);
  const job = jobAt.getTime();
  const sample: Sample = {
    round: r,
    author: author.label,
    followers: author.followers,
    photoId,
    uploadToReadyMs: ready.getTime() - posted,
    readyToJobMs: job - ready.getTime(),
    timelinesMs: timelinesAt.getTime() - job,
    liveMs: streams.lastMs - job,
    timelinesFromReadyMs: timelinesAt.getTime() - ready.getTime(),
    liveFromReadyMs: streams.lastMs - ready.getTime(),
    socketMs: socketAt - job,
    timelineRows: n,
    streamsWithEvent: streams.holding,
    redis: {
      evalCalls: after.evalCalls - before.evalCalls,
      evalServerMs: round((after.evalUsec - before.evalUsec) / 1000),
      usedMemoryDeltaMiB: round((after.usedMemory - before.usedMemory) / 2 ** 20),
    },
  };
  console.log(JSON.stringify(sample));
  return sample;
}

function isReady(e: Envelope, photoId: string): boolean {
  return e.type === 'photo.ready' && e.stream === 'home' && (e.data as { photo: { id: string } }).photo.id === photoId;
}

async function main(): Promise<void> {
  const cleanups: (() => Promise<void>)[] = [];
  await withCleanup(cleanups, async () => {
    const bc = await startBenchCluster({ web: 1, workers: 1, nodeFlags: CPU_PROF_DIR ? ['--cpu-prof', `--cpu-prof-dir=${CPU_PROF_DIR}`] : [] });
    cleanups.push(() => bc.stop());
    const db = new pg.Client({ connectionString: bc.databaseUrl });
    await db.connect();
    cleanups.unshift(() => db.end());
    const redis = new Redis(SERVICES.redis, { lazyConnect: false });
    cleanups.unshift(async () => void redis.disconnect());
    const sockets: TestSocket[] = [];
    cleanups.unshift(async () => sockets.forEach((s) => s.close()));

    const authors: Author[] = [];
    for (const [label, followers] of [
      ['10k', SMALL],
      ['100k', LARGE],
    ] as const) {
      const username = `author_${label}`;
      const { id, cookie } = await auth(bc.url, 'register', username);
      authors.push({ label, username, id, cookie, followers, first: '', last: '' });
    }
    const seedMs = await seed(db, authors);
    console.log(`seeded ${SMALL + LARGE} readers and their follows in ${seedMs} ms`);
    // The last follower of each author (the last one fan-out reaches) watches `home` on a real socket.
    for (const a of authors) {
      const reader = await auth(bc.url, 'login', `reader_${BigInt(a.last) - BigInt(authors[0]!.first) + 1n}`);
      if (reader.id !== a.last) throw new Error(`logged in as ${reader.id}, expected ${a.last}`);
      const s = await connect(bc.url, reader.cookie);
      s.socket.on('event', (env) => ((env as Envelope & { receivedAt?: number }).receivedAt = Date.now()));
      sockets.push(s);
      const ack = (await s.socket.timeout(5_000).emitWithAck('subscribe', { stream: 'home' })) as { ok: boolean };
      if (!ack.ok) throw new Error(`subscribe home: ${JSON.stringify(ack)}`);
      a.socket = s;
    }

    const photo = await makePhoto();
    const memoryBefore = await redisInfo(redis);
    const streamsBefore = await homeStreams(redis, bc.redisPrefix, undefined);
    const samples: Sample[] = [];
    let afterFirstRound: Awaited<ReturnType<typeof homeStreams>> | undefined;
    let memoryAfterFirstRound = 0;
    for (let r = 1; r <= ROUNDS; r++) {
      for (const a of authors) samples.push(await fanOutOnce(bc, db, redis, a, photo, r));
      if (r === 1) {
        afterFirstRound = await homeStreams(redis, bc.redisPrefix, undefined);
        memoryAfterFirstRound = (await redisInfo(redis)).usedMemory;
      }
    }

    const by = (label: string) => samples.filter((s) => s.author === label);
    const med = (label: string, f: (s: Sample) => number) => round(median(by(label).map(f)));
    const summary = Object.fromEntries(
      authors.map((a) => [
        a.label,
        {
          followers: a.followers,
          timelinesMs: med(a.label, (s) => s.timelinesMs),
          liveMs: med(a.label, (s) => s.liveMs),
          timelinesFromReadyMs: med(a.label, (s) => s.timelinesFromReadyMs),
          liveFromReadyMs: med(a.label, (s) => s.liveFromReadyMs),
          socketMs: med(a.label, (s) => s.socketMs),
          readyToJobMs: med(a.label, (s) => s.readyToJobMs),
          uploadToReadyMs: med(a.label, (s) => s.uploadToReadyMs),
          evalServerMs: med(a.label, (s) => s.redis.evalServerMs),
          evalCalls: med(a.label, (s) => s.redis.evalCalls),
        },
      ]),
    );
    const file = writeResult({
      name: 'write-fanout',
      title: '6. Fan-out on write',
      command: 'npm run bench:write-fanout',
      setup: {
        cluster: '1 web instance, 1 worker (HAProxy, PostgreSQL, Redis, RabbitMQ on this machine)',
        followers: { '10k': SMALL, '100k': LARGE },
        rounds: ROUNDS,
        pollMs: POLL_MS,
        fanoutBatch: FANOUT_BATCH,
        seedMs,
      },
      samples,
      summary,
      redisMemory: {
        homeStreamKeysBefore: streamsBefore.keys,
        afterFirstRound: {
          homeStreamKeys: afterFirstRound!.keys,
          homeStreamsMiB: round(afterFirstRound!.bytes / 2 ** 20),
          bytesPerKey: Math.round(afterFirstRound!.bytes / Math.max(1, afterFirstRound!.keys)),
          usedMemoryDeltaMiB: round((memoryAfterFirstRound - memoryBefore.usedMemory) / 2 ** 20),
        },
      },
      targets: { '10k': 1_000, '100k': 10_000 },
    });
    console.log(`summary: ${JSON.stringify(summary)}\nwrote ${file}`);
  });
}

await main();
process.exit(0);

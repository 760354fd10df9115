// Benchmark 5: feed reads. One Strobe web instance (its own port, no load balancer in between)
// against the framework ceiling, a bare Fastify GET of a constant JSON as large as a real 20-item
// feed page, also one Node process. The database holds USERS users and PHOTOS ready photos; the
// viewer follows FOLLOWED users and their home timeline holds every photo of those users and of
// their own, as fan-out on write would have left it. autocannon drives each contender in turn at
// CONNECTIONS connections for SECONDS seconds after a WARMUP; ratios are taken within a round, and
// the report gives the median over ROUNDS rounds. Everything is made fresh and removed at the end.
//   npm run bench:feed   (ROUNDS, SECONDS, WARMUP, CONNECTIONS, USERS, PHOTOS, FOLLOWED, LIKES;
//                         PROFILE_DIR=<dir> runs the web instance with --cpu-prof into that dir)
import { resolve } from 'node:path';
import pg from 'pg';
import { startBaseline, type Baseline } from './lib/spawn.js';
import { startBenchCluster, withCleanup, type BenchCluster } from './lib/strobe.js';
import { median, round, writeResult } from './lib/results.js';
import { cpuPerRequest, type CpuShare } from './feed/cpu.js';
import { load, type LoadFigures } from './feed/load.js';
import { seedFeeds } from './feed/seed.js';
import { explainFeeds } from './feed/explain.js';

const env = (name: string, fallback: number) => Number(process.env[name] ?? fallback);
const ROUNDS = env('ROUNDS', 3);
const SECONDS = env('SECONDS', 10);
const WARMUP = env('WARMUP', 2);
const CONNECTIONS = env('CONNECTIONS', 50);
const USERS = env('USERS', 1_000);
const PHOTOS = env('PHOTOS', 100_000);
const FOLLOWED = env('FOLLOWED', 500);
const LIKES = env('LIKES', 100_000);
const PROFILE_DIR = process.env.PROFILE_DIR ? resolve(process.env.PROFILE_DIR) : undefined;

const VIEWER = { username: 'bench_viewer', password: 'bench feed viewer' };
const CONTENDERS = ['fastify hello', 'strobe latest', 'strobe home'] as const;
type Contender = (typeof CONTENDERS)[number];

async function json<T>(res: Response, what: string): Promise<T> {
  const text = await res.text();
  if (!res.ok) throw new Error(`${what}: ${res.status} ${text}`);
  return JSON.parse(text) as T;
}

async function main(): Promise<void> {
  const started = Date.now();
  let strobe: BenchCluster | undefined;
  let hello: Baseline | undefined;
  const cleanups = [async () => hello?.stop(), async () => strobe?.stop()];
  await withCleanup(cleanups, async () => {
    strobe = await startBenchCluster({
      web: 1,
      workers: 0,
      ...(PROFILE_DIR ? { nodeFlags: ['--cpu-prof', `--cpu-prof-dir=${PROFILE_DIR}`] } : {}),
    });
    const web = `http://127.0.0.1:${strobe.cluster.instances.get('web1')!.port}`;

    // The viewer registers through the API (the server hashes the password once); the seeded users reuse that hash.
    const reg = await fetch(`${web}/api/auth/register`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(VIEWER) });
    const viewerId = (await json<{ user: { id: string } }>(reg, 'register')).user.id;
    const seed = await seedFeeds(strobe.databaseUrl, { users: USERS, photos: PHOTOS, followed: FOLLOWED, likes: LIKES, viewerId });
    console.log(`seeded in ${seed.ms} ms: ${JSON.stringify(seed)}`);

    const login = await fetch(`${web}/api/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(VIEWER) });
    await json(login, 'login');
    const cookie = login.headers.getSetCookie().map((c) => c.split(';')[0]!).join('; ');
    if (!cookie.includes('strobe_sid=')) throw new Error(`login set no session cookie: ${login.headers.getSetCookie().join(' | ')}`);

    // The pages as clients get them: full 20-item pages, and their size for the baseline.
    const pages: Record<string, { items: unknown[]; next: string | null }> = {};
    const pageBytes: Record<string, number> = {};
    for (const [feed, headers] of [['latest', {}], ['home', { cookie }]] as const) {
      const res = await fetch(`${web}/api/feeds/${feed}`, { headers });
      const text = await res.text();
      if (!res.ok) throw new Error(`GET /api/feeds/${feed}: ${res.status} ${text}`);
      pages[feed] = JSON.parse(text) as { items: unknown[]; next: string | null };
      pageBytes[feed] = Buffer.byteLength(text);
      if (pages[feed]!.items.length !== 20 || !pages[feed]!.next) throw new Error(`${feed}: expected a full page with a next cursor`);
    }
    hello = await startBaseline('fastify-hello.ts', { BODY_BYTES: String(pageBytes.latest) });
    const helloBytes = Buffer.byteLength(await (await fetch(`${hello.url}/hello`)).text());
    console.log(`page bytes: latest ${pageBytes.latest}, home ${pageBytes.home}, hello ${helloBytes}`);

    const plans = await explainFeeds(strobe.databaseUrl, viewerId);
    for (const p of plans) console.log(`EXPLAIN ${p.feed}: ${p.executionMs} ms\n${p.plan}`);

    const webPid = strobe.cluster.instances.get('web1')!.child!.pid!;
    const targets: Record<Contender, { url: string; headers: Record<string, string>; pid: number }> = {
      'fastify hello': { url: `${hello.url}/hello`, headers: {}, pid: hello.child.pid! },
      'strobe latest': { url: `${web}/api/feeds/latest`, headers: {}, pid: webPid },
      'strobe home': { url: `${web}/api/feeds/home`, headers: { cookie }, pid: webPid },
    };
    type Figures = LoadFigures & { cpuUs: CpuShare };
    const perRound: { figures: Record<Contender, Figures>; ratios: Record<string, number> }[] = [];
    for (let r = 0; r < ROUNDS; r++) {
      const figures = {} as Record<Contender, Figures>;
      // Each round starts with another contender, so none always runs first (or last) on a warm machine.
      const order = CONTENDERS.map((_, i) => CONTENDERS[(i + r) % CONTENDERS.length]!);
      for (const name of order) {
        const t = targets[name];
        if (WARMUP > 0) await load(t.url, CONNECTIONS, WARMUP, t.headers);
        const f = await cpuPerRequest(strobe.databaseUrl, t.pid, () => load(t.url, CONNECTIONS, SECONDS, t.headers));
        if (f.errors > 0 || f.non2xx > 0) throw new Error(`${name}: ${f.errors} errors, ${f.non2xx} non-2xx answers`);
        figures[name] = { ...f, reqPerSec: round(f.reqPerSec, 0) };
      }
      const hz = figures['fastify hello'].reqPerSec;
      const ratios = {
        'latest / hello': round(figures['strobe latest'].reqPerSec / hz, 3),
        'home / hello': round(figures['strobe home'].reqPerSec / hz, 3),
      };
      perRound.push({ figures, ratios });
      console.log(
        `round ${r + 1}: ${CONTENDERS.map((c) => `${c} ${figures[c].reqPerSec} req/s p50 ${figures[c].p50Ms} p99 ${figures[c].p99Ms} ms cpu/req ${JSON.stringify(figures[c].cpuUs)}`).join("; ")}; ${JSON.stringify(ratios)}`,
      );
    }
    const med = (f: (x: (typeof perRound)[number]) => number) => median(perRound.map(f));
    const summary = {
      figures: Object.fromEntries(
        CONTENDERS.map((c) => [
          c,
          {
            reqPerSec: med((x) => x.figures[c].reqPerSec),
            ...Object.fromEntries((['p50Ms', 'p75Ms', 'p90Ms', 'p97_5Ms', 'p99Ms'] as const).map((k) => [k, med((x) => x.figures[c][k])])),
            cpuUs: Object.fromEntries((['server', 'postgres', 'redis', 'loadgen'] as const).map((k) => [k, med((x) => x.figures[c].cpuUs[k])])),
          },
        ]),
      ),
      ratios: {
        'latest / hello': med((x) => x.ratios['latest / hello']!),
        'home / hello': med((x) => x.ratios['home / hello']!),
      },
    };
    const wallSeconds = Math.round((Date.now() - started) / 1000);
    const file = writeResult({
      name: 'feed',
      title: '5. Feed read: latest and home pages against a bare Fastify GET',
      command: 'npm run bench:feed',
      machine: { autocannon: '8.0.0', postgres: (await serverVersion(strobe.databaseUrl)) },
      setup: {
        ...seed,
        pageBytes: { ...pageBytes, hello: helloBytes },
        connections: CONNECTIONS,
        seconds: SECONDS,
        warmupSeconds: WARMUP,
        processes: 'one Strobe web instance (its own port, no HAProxy, no worker) and one Fastify process',
      },
      plans,
      rounds: ROUNDS,
      perRound,
      summary,
      targets: { 'latest / hello': 0.8, 'home / hello': 0.5, p99Ms: 25 },
      profiled: PROFILE_DIR !== undefined,
      wallSeconds,
    });
    console.log(`summary: ${JSON.stringify(summary)}\nwrote ${file} (${wallSeconds} s)`);
  });
}

async function serverVersion(url: string): Promise<string> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    return `PostgreSQL ${(await c.query<{ v: string }>("select current_setting('server_version') v")).rows[0]!.v}`;
  } finally {
    await c.end();
  }
}

await main();

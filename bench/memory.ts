// Benchmark 2: memory per connection. One Strobe web instance holds CLIENTS idle, signed-in
// socket.io clients, each subscribed to the three streams a signed-in user's page opens (`home`,
// `user`, `latest`); bare Socket.IO 4 (bench/baselines/socketio.ts without Redis) holds as many
// clients, each in three rooms of the same shape (`latest`, `home:<i>`, `user:<i>`).
//
// Each server runs with `--inspect`; over the DevTools protocol we force two full GCs and read
// `process.memoryUsage()` before the clients connect and after all of them are subscribed and a
// settle time has passed, and report (after − before) / CLIENTS. A few warm-up clients connect and
// leave before the first reading, on both sides, so one-time costs (lazily compiled code, first
// buffers) are not counted per connection. Ratios are taken within a round; medians over rounds.
//   npm run bench:memory   (CLIENTS, USERS, ROUNDS, SETTLE_MS to change the counts)
import { openClients, type Clients } from './memory/clients.js';
import { Inspector, type MemoryUsage } from './memory/inspector.js';
import { socketio, STREAMS, strobe, type Server } from './memory/servers.js';
import { median, round, writeResult } from './lib/results.js';
import { withCleanup } from './lib/strobe.js';

const CLIENTS = Number(process.env.CLIENTS ?? 5_000);
/** Distinct signed-in users; client i is user i % USERS. One socket per user by default. */
const USERS = Number(process.env.USERS ?? CLIENTS);
const ROUNDS = Number(process.env.ROUNDS ?? 3);
const SETTLE_MS = Number(process.env.SETTLE_MS ?? 5_000);
const WARMUP = Number(process.env.WARMUP ?? 50);

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const KiB = 1024;

interface SideResult {
  before: MemoryUsage;
  after: MemoryUsage;
  clients: number;
  connectSeconds: number;
  /** KiB per connection: (after − before) / clients. */
  perConnection: { heapKiB: number; rssKiB: number; externalKiB: number };
}

/** What to stop on Ctrl-C: the server being measured. */
const cleanups: (() => Promise<void>)[] = [];

async function measure(name: string, start: () => Promise<Server>): Promise<SideResult> {
  const server = await start();
  cleanups.push(server.stop);
  let inspector: Inspector | undefined;
  let clients: Clients | undefined;
  try {
    inspector = await Inspector.connect(server.inspectorUrl);
    // Warm-up: the same path a few times (later clients' users), then gone before the first reading.
    const warm = await openClients({ url: server.url, count: WARMUP, cookie: (i) => server.cookie?.(CLIENTS - 1 - i), setUp: (s, i) => server.setUp(s, CLIENTS - 1 - i) });
    warm.close();
    await sleep(2_000);
    const before = await inspector.memory();
    const t0 = Date.now();
    clients = await openClients({ url: server.url, count: CLIENTS, cookie: server.cookie, setUp: server.setUp });
    const connectSeconds = (Date.now() - t0) / 1000;
    await sleep(SETTLE_MS);
    const after = await inspector.memory();
    const connected = clients.connected();
    if (connected !== CLIENTS) throw new Error(`${name}: ${CLIENTS - connected} of ${CLIENTS} clients dropped before the reading`);
    const per = (k: keyof MemoryUsage) => round((after[k] - before[k]) / CLIENTS / KiB, 2);
    const result = { before, after, clients: CLIENTS, connectSeconds: round(connectSeconds), perConnection: { heapKiB: per('heapUsed'), rssKiB: per('rss'), externalKiB: per('external') } };
    console.log(
      `  ${name}: ${CLIENTS} clients in ${result.connectSeconds} s; heap ${mib(before.heapUsed)} → ${mib(after.heapUsed)} MiB, rss ${mib(before.rss)} → ${mib(after.rss)} MiB; per connection heap ${result.perConnection.heapKiB} KiB, rss ${result.perConnection.rssKiB} KiB`,
    );
    return result;
  } finally {
    clients?.close();
    inspector?.close();
    await sleep(500);
    await server.stop();
    cleanups.splice(cleanups.indexOf(server.stop), 1);
  }
}

const mib = (bytes: number) => round(bytes / 2 ** 20);

async function main(): Promise<void> {
  const started = Date.now();
  const rounds: { strobe: SideResult; socketio: SideResult; ratio: { heap: number; rss: number } }[] = [];
  for (let r = 0; r < ROUNDS; r++) {
    console.log(`round ${r + 1}/${ROUNDS}`);
    // Alternate the order, so neither side always runs on a machine just warmed by the other.
    const sides: Record<string, SideResult> = {};
    const order: [string, (users: number) => Promise<Server>][] = [
      ['socket.io', socketio],
      ['strobe', strobe],
    ];
    if (r % 2 === 1) order.reverse();
    for (const [name, start] of order) sides[name] = await measure(name, () => start(USERS));
    const s = sides.strobe!;
    const b = sides['socket.io']!;
    const ratio = { heap: round(s.perConnection.heapKiB / b.perConnection.heapKiB, 2), rss: round(s.perConnection.rssKiB / b.perConnection.rssKiB, 2) };
    console.log(`  ratio strobe / socket.io: heap ${ratio.heap}×, rss ${ratio.rss}×`);
    rounds.push({ strobe: s, socketio: b, ratio });
  }
  const med = (f: (x: (typeof rounds)[number]) => number) => round(median(rounds.map(f)), 2);
  const summary = {
    strobe: { heapKiB: med((x) => x.strobe.perConnection.heapKiB), rssKiB: med((x) => x.strobe.perConnection.rssKiB), externalKiB: med((x) => x.strobe.perConnection.externalKiB) },
    socketio: { heapKiB: med((x) => x.socketio.perConnection.heapKiB), rssKiB: med((x) => x.socketio.perConnection.rssKiB), externalKiB: med((x) => x.socketio.perConnection.externalKiB) },
    ratio: { heap: med((x) => x.ratio.heap), rss: med((x) => x.ratio.rss) },
  };
  const file = writeResult({
    name: 'memory',
    title: '2. Memory per connection',
    command: 'npm run bench:memory',
    machine: { 'socket.io': '4.8.4', 'socket.io-client': '4.8.4' },
    clients: CLIENTS,
    users: USERS,
    streams: [...STREAMS],
    rounds: ROUNDS,
    settleMs: SETTLE_MS,
    warmup: WARMUP,
    perRound: rounds,
    summary,
    targets: { heapRatio: 1.2 },
    wallSeconds: Math.round((Date.now() - started) / 1000),
  });
  console.log(`summary: ${JSON.stringify(summary)}\nwrote ${file} in ${Math.round((Date.now() - started) / 1000)} s`);
}

await withCleanup(cleanups, main);

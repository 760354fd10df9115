// Report section for benchmark 2 (bench/memory.ts).
import type { BenchResult } from '../lib/results.js';

interface Side {
  before: { heapUsed: number; rss: number };
  after: { heapUsed: number; rss: number };
  connectSeconds: number;
  perConnection: { heapKiB: number; rssKiB: number; externalKiB: number };
}
interface Round {
  strobe: Side;
  socketio: Side;
  ratio: { heap: number; rss: number };
}
interface Summary {
  strobe: { heapKiB: number; rssKiB: number; externalKiB: number };
  socketio: { heapKiB: number; rssKiB: number; externalKiB: number };
  ratio: { heap: number; rss: number };
}

/** What the heap snapshots showed (bench/memory/profile.ts, 2,000 clients per side), and the fix. */
const BREAKDOWN = (fix: 'proposed' | 'applied') =>
  [
    'The code as first measured cost **13.4 KiB** of heap per connection against 10.4 KiB (1.29×, RSS 1.37×, 3 rounds).',
    'Heap snapshots before and after the clients connect (`node --import tsx bench/memory/profile.ts`: self size by kind of object, per connection, Strobe minus bare Socket.IO) put its extra 3.2 KiB here:',
    'nine more `Map`/`Set` objects per connection, each 150–190 bytes even when empty (1.6 KiB with their tables).',
    'Each signed-in socket brings two per-user bus streams (`home:<id>`, `user:<id>`), and the hub gave every stream four collections up front (`live`, `pending`, `catchingUp`, `taps`), of which an idle one uses one.',
    'Each socket also kept an empty serializer `Map` for its subscribe requests, and joined a `session:<key>` room (a `Set` and a 51-character name) only so that logging out can find it.',
    "The rest is what the features need: the two hub entries, their `listening` promises and Redis channel names (about 0.5 KiB), the socket's stream map, viewer and cookie header (about 0.4 KiB), and the handlers for `subscribe`, `unsubscribe` and `chat:send`.",
    `**Fix** (${fix}, in \`src/realtime/hub.ts\` and \`socket-server.ts\`): a hub entry creates each collection on first use and drops it when it empties; the serializer holds its \`Map\` only while a request runs; logout scans the instance's sockets for the session key instead of keeping a room per session.`,
    'With it the same benchmark (3 rounds, 5,000 clients) measured **12.1 KiB** against 10.4 KiB: **1.16×** (RSS 1.21×), and the chat (logout included), resume, slow-client, feed and cluster e2e tests pass.',
  ].join(' ');

/** The re-measurement for issue 16, after the features of issues 12–15 (same profiler). */
const SINCE = [
  '**Since** (re-measured for issue 16, 2026-12-07, after private messages, blocks, sessions that end everywhere and the sharded bus of issues 12–15): the figure above, 1.28× against the 1.16× the fix reached.',
  'The profiler (2,000 clients per side) puts the extra at 3.0 KiB per connection: about 0.8 KiB of arrays and dictionary growth (the sharded subscriber\'s per-channel tables and the hub\'s maps, one entry per per-user stream), four channel-name strings (272 B: two per-user streams, each name held by the bus and by its shard\'s subscriber), four closures (226 B: the socket\'s handlers), the two hub entries (160 B), and the viewer object, now with display name, bio and avatar (64 B).',
  'Nothing there is a leak: each is one per signed-in socket and goes with it. What would cut most is one bus channel for both per-user streams (`home:<id>` and `user:<id>` share a reader): half the channel names, subscriber entries and hub entries; it changes the Redis key layout, so it is left for its own change. Benchmark 8 measures the same gap at 19,500 sockets.',
].join(' ');

const bar = (kib: number) => '█'.repeat(Math.max(1, Math.round(kib)));

export default function memory(r: BenchResult): string {
  const s = r.summary as Summary;
  const rounds = r.perRound as Round[];
  const target = (r.targets as { heapRatio: number }).heapRatio;
  const met = s.ratio.heap <= target;
  const n = (r.clients as number).toLocaleString('en');
  const users = r.users as number;
  const mib = (b: number) => (b / 2 ** 20).toFixed(1);
  return [
    `Per server, ${n} idle socket.io clients (WebSocket transport), started from one client process on the same machine.`,
    `**Strobe**: one web instance (cluster mode: PostgreSQL, Redis, RabbitMQ; no worker), clients connected straight to its own port, not through HAProxy.`,
    `Every client is a different signed-in user (${users.toLocaleString('en')} users inserted with SQL; their sessions opened with Strobe's own session code into Redis, so each handshake goes cookie → HMAC → Redis → the user's row as for a browser) and subscribes to the three streams a signed-in user's page opens: ${(r.streams as string[]).map((x) => `\`${x}\``).join(', ')}, each acknowledged.`,
    '**Bare Socket.IO 4** (`bench/baselines/socketio.ts` without `REDIS_URL`): each client joins three rooms of the same shape (`latest`, `home:<i>`, `user:<i>`), acknowledged.',
    `Each server runs with \`--inspect\`; over the DevTools protocol the harness forces two full GCs (\`HeapProfiler.collectGarbage\`) and reads \`process.memoryUsage()\` in the server, once before the clients connect (after ${r.warmup as number} warm-up clients came and went, on both sides, so one-time costs are not counted per connection) and once ${(r.settleMs as number) / 1000} s after the last acknowledgement.`,
    `Figure per connection: (after − before) / ${n}. ${r.rounds as number} rounds, each measuring both servers (order alternating); ratios within a round, medians over rounds. A full run takes about ${Math.round((r.wallSeconds as number) / 60)} minutes.`,
    '',
    '| per connection (median of rounds) | heap used | | RSS | external |',
    '|---|---|---|---|---|',
    `| Strobe | **${s.strobe.heapKiB} KiB** | \`${bar(s.strobe.heapKiB)}\` | ${s.strobe.rssKiB} KiB | ${s.strobe.externalKiB} KiB |`,
    `| bare Socket.IO 4 | **${s.socketio.heapKiB} KiB** | \`${bar(s.socketio.heapKiB)}\` | ${s.socketio.rssKiB} KiB | ${s.socketio.externalKiB} KiB |`,
    `| Strobe / Socket.IO | **${s.ratio.heap}×** | | ${s.ratio.rss}× | |`,
    '',
    '| round | Strobe heap before → after | Strobe heap / conn | Socket.IO heap before → after | Socket.IO heap / conn | heap ratio | RSS ratio |',
    '|---|---|---|---|---|---|---|',
    ...rounds.map(
      (x, i) =>
        `| ${i + 1} | ${mib(x.strobe.before.heapUsed)} → ${mib(x.strobe.after.heapUsed)} MiB | ${x.strobe.perConnection.heapKiB} KiB | ${mib(x.socketio.before.heapUsed)} → ${mib(x.socketio.after.heapUsed)} MiB | ${x.socketio.perConnection.heapKiB} KiB | ${x.ratio.heap}× | ${x.ratio.rss}× |`,
    ),
    '',
    '| target | figure | |',
    '|---|---|---|',
    `| heap per connection ≤ ${target}× bare Socket.IO (same round) | ${s.ratio.heap}× (${s.strobe.heapKiB} KiB against ${s.socketio.heapKiB} KiB) | ${met ? 'met' : 'not met'} |`,
    '',
    `**Where the memory went, and the first fix.** ${BREAKDOWN('applied')}`,
    ...(met ? [] : ['', SINCE]),
  ].join('\n');
}

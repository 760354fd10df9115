// Report section for benchmark 8 (bench/idle.ts).
import type { DeliveryRun, IdleRound as Round, IdleSummary as Summary } from '../idle.js';
import type { BenchResult } from '../lib/results.js';

/** What the heap snapshots and the delivery figures show (bench/memory/profile.ts, 2,000 clients per side). */
const DIAGNOSIS = [
  '**Where the memory goes.** Heap snapshots (`node --import tsx bench/memory/profile.ts`, 2,000 clients a side, Strobe minus bare Socket.IO) put the extra 2.9 KiB per connection in what the two per-user streams cost: each signed-in socket brings `home:<id>` and `user:<id>`, and each is a hub entry (an object, its `live` set and its `listening` promise: ~0.3 KiB for both), two Redis channel names held by the sharded subscriber (four strings, 272 B); about 0.8 KiB of backing arrays (table and property storage; which maps and objects own them the diff does not say, the hub\'s and the subscriber\'s maps grow by two entries per connection); then the socket\'s own state (viewer, stream map, session key: ~0.2 KiB), four closures (the request handlers, 224 B) and the handshake\'s cookie header.',
  'Benchmark 2\'s 1.15× (5,000 clients, the real socket.io-client) was measured before issues 12–15 and has not been re-run since.',
  'Reaching 1.0× needs the per-user streams to cost less than a room does in bare Socket.IO, e.g. one bus channel per user carrying both `home` and `user`, and one hub entry for them: a change to the bus\'s stream naming, not done here.',
  '**Where the delivery time goes.** An event on `latest` is one room broadcast per instance: Socket.IO encodes it once and prepares the WebSocket frame once, then writes it to each of the 9,750 sockets in turn, one `write` per socket. Above the idle cost of 19,500 sockets (their pings, the health checks), the web CPU per delivery is 15–27 µs, and the last socket of an instance gets the event ~150 ms after the first: that loop is the p50 at every rate below saturation, and its tail (GC, the other instance on the same two cores) the p99.',
  'Bare Socket.IO with the redis adapter, measured the same way in the same run, does the same: at 1 and 2 events/s Strobe\'s p99 is within 10 % of its (see the ratios above) and so is the server CPU per delivery, and both saturate at 5 events/s; only at 0.5 events/s does Strobe\'s idle work (health checks, presence heartbeats) show, per delivery. The miss is the single event loop\'s broadcast, not what Strobe adds to it.',
  'A p99 ≤ 100 ms for 10,000 sockets on one event loop needs ≤ 10 µs per socket write, or fewer sockets per event loop (more instances per host, which a 2-core host cannot show). At 5 events/s to every socket the host is saturated (the web instances and the receiving processes take all of its 200 %), and the hub cuts off the sockets that fall behind; their deliveries count as missing here because this harness\'s clients do not reconnect (real clients resume from the replay).',
].join('\n\n');

export default function idle(r: BenchResult): string {
  const s = r.summary as Summary;
  const rounds = r.perRound as Round[];
  const delivery = r.delivery as DeliveryRun;
  const baseline = r.baselineDelivery as DeliveryRun | undefined;
  const targets = r.targets as { heapRatio: number; p99Ms: number; clients: number; rate: number };
  const n = (r.clients as number).toLocaleString('en');
  const mib = (b: number) => (b / 2 ** 20).toFixed(0);
  const atTarget = delivery.steps.find((x) => x.rate === targets.rate);
  const fmt = (x: number) => x.toLocaleString('en');
  return [
    `**Memory.** Per server, ${n} idle signed-in sockets, from ${r.clientProcs as number} client processes on the same machine (the light Socket.IO client of benchmark 1: Engine.IO v4 over one \`ws\` each).`,
    `The issue asks for ${fmt(targets.clients)}; a process here may hold at most ${r.machine['open files per process (ulimit -n)']} descriptors (a hard limit) and the server needs some of its own, so the run stays under it. Per-connection figures do not depend on the count (benchmark 2 measured the same code at 5,000).`,
    `**Strobe**: one web instance (cluster mode, no worker), clients on its own port; every client a different user (inserted with SQL, sessions opened with Strobe's session code into Redis), subscribed to ${(r.streams as string[]).map((x) => `\`${x}\``).join(', ')}, each acknowledged. **Bare Socket.IO 4**: each client joins three rooms of the same shape.`,
    `Two full GCs through the inspector, then \`process.memoryUsage()\` before the clients connect and ${(r.settleMs as number) / 1000} s after the last acknowledgement; ${r.rounds as number} rounds, order alternating; ratios within a round, medians over rounds.`,
    '',
    '| per connection (median of rounds) | heap used | RSS |',
    '|---|---|---|',
    `| Strobe | **${s.strobe.heapKiB} KiB** | ${s.strobe.rssKiB} KiB |`,
    `| bare Socket.IO 4 | **${s.socketio.heapKiB} KiB** | ${s.socketio.rssKiB} KiB |`,
    `| Strobe / Socket.IO | **${s.ratio.heap}×** | ${s.ratio.rss}× |`,
    '',
    '| round | Strobe heap before → after | connect | Socket.IO heap before → after | connect | heap ratio | RSS ratio |',
    '|---|---|---|---|---|---|---|',
    ...rounds.map(
      (x, i) =>
        `| ${i + 1} | ${mib(x.strobe.before.heapUsed)} → ${mib(x.strobe.after.heapUsed)} MiB | ${x.strobe.connectSeconds} s | ${mib(x.socketio.before.heapUsed)} → ${mib(x.socketio.after.heapUsed)} MiB | ${x.socketio.connectSeconds} s | ${x.ratio.heap}× | ${x.ratio.rss}× |`,
    ),
    '',
    `**Delivery.** Two Strobe web instances, ${fmt(Math.floor((r.clients as number) / 2))} signed-in sockets on each (their own ports: behind HAProxy the balancer would hold two descriptors per connection), connected in ${delivery.connectSeconds} s; RSS of the two instances grew by **${delivery.rssPerConnectionKiB} KiB per connection**.`,
    `\`photo.ready\` published on \`latest\` through a RedisBus on the cluster's prefix (as the fan-out worker does), so every socket receives each event; ${r.stepSeconds as number} s per rate. Latency is from the publish time stamped in the event to its arrival in the client process (same clock). CPU in % of one core per process group, from /proc.`,
    '',
    '| server | events/s to each socket | deliveries/s | p50 | p99 | missing | server CPU per delivery | CPU: servers | clients | |',
    '|---|---|---|---|---|---|---|---|---|---|',
    ...[...delivery.steps.map((x) => ['Strobe', x] as const), ...(baseline?.steps ?? []).map((x) => ['Socket.IO + redis adapter', x] as const)].map(
      ([who, x]) =>
        `| ${who} | ${x.rate} | ${fmt(x.deliveredPerS)} | ${x.p50} ms | ${x.p99} ms | ${x.missingPct} % | ${x.webCpuPerDeliveryUs} µs | ${x.cpu.web} % | ${x.cpu.clients} % | ${x.ok ? 'within' : '**over**'} |`,
    ),
    ...(baseline
      ? [
          '',
          `The baseline in the same run: two bare Socket.IO 4 processes with \`@socket.io/redis-adapter\` on the same Redis, the same ${n} clients split between them (each in \`latest\`, \`home:<i>\`, \`user:<i>\`), a publisher socket emitting to the \`latest\` room; its two processes' RSS grew by ${baseline.rssPerConnectionKiB} KiB per connection (Strobe: ${delivery.rssPerConnectionKiB} KiB).`,
        ]
      : []),
    '',
    '| target | figure | target | |',
    '|---|---|---|---|',
    `| heap per connection / bare Socket.IO | **${s.ratio.heap}×** | ≤ ${targets.heapRatio}× | ${s.ratio.heap <= targets.heapRatio ? 'met' : '**not met**'} |`,
    `| delivery p99 at ${targets.rate} events/s to every socket | ${atTarget ? `**${atTarget.p99} ms** (${atTarget.missingPct} % missing)` : 'not reached (the ladder stopped below it)'} | ≤ ${targets.p99Ms} ms | ${atTarget?.ok ? 'met' : '**not met**'} |`,
    `| highest rate within the target | ${s.delivery.bestRate === null ? 'none' : `${s.delivery.bestRate} events/s per socket = ${fmt(s.delivery.bestDeliveriesPerS!)} deliveries/s, p99 ${s.delivery.p99AtBest} ms, ${s.delivery.webCpuPerDeliveryUs} µs of web CPU per delivery`} | | |`,
    ...delivery.steps
      .map((x) => [x, baseline?.steps.find((b) => b.rate === x.rate)] as const)
      .filter(([, b]) => b !== undefined)
      .map(([x, b]) => `| p99 at ${x.rate} events/s: Strobe / Socket.IO + redis adapter (context) | ${x.p99} ms / ${b!.p99} ms = **${(x.p99 / b!.p99).toFixed(2)}×**; server CPU per delivery ${(x.webCpuPerDeliveryUs / b!.webCpuPerDeliveryUs).toFixed(2)}× | | |`),
    '',
    DIAGNOSIS,
  ].join('\n');
}

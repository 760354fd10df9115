// Report section for benchmark 7 (bench/kill.ts).
import type { BenchResult } from '../lib/results.js';
import { cdfChart, writeChart } from '../lib/svg.js';

/** What profiling and the diagnostic runs found; kept beside the figures it explains. */
const FINDINGS = [
  '**Re-measured after the batched account reads (2026-12-07, later the same day): not met, closer.** Every reconnecting socket\'s handshake reads its session\'s account; those reads now share one query per round trip (`adapters/db/batched-reads.ts`, see benchmark 5). Resumed p50 3.0 s, p99 7.0 s (rounds 5.4–9.1 s), against 3.6 / 9.7 s that morning; missed and duplicated 0; live latency before the kill p50 109 ms, p99 318 ms. The step that is left is still the handshake waiting for the CPU (first attempt → engine.io open: p99 2.8–6.4 s), with the machine at 30,000 deliveries/s.',
  '**Re-measured for issue 16 (2026-12-07, morning): not met.** Missed and duplicated are still 0 and every resume `recovered: true`, but the clients resumed at p50 3.6 s and p99 9.7 s, and the live latency before any kill was already p50 127 ms, p99 330 ms (31 / 137 ms on 2026-11-21).',
  'The 30,000 deliveries/s of this benchmark are now at the edge of what the machine delivers: the same day benchmark 1 saturated Strobe at 23,100–30,100 deliveries/s (50,750 on 2026-11-21), and its baselines cost 1.3–1.7× the CPU per delivery they did then, so the machine is slower as well as Strobe heavier.',
  'With no headroom the reconnect handshake waits for the CPU (first attempt → engine.io open: p99 8.2 s, 2.7 s before). The same run without coalesced writes (A/B, same day): p50 4.5 s, p99 10.6 s, live latency p50 177 ms. A diagnostic run the same day at half the load (`RATE=10`, 15,000 deliveries/s, 3 rounds) resumed at p50 1.9 s, p99 3.1 s, with live latency p50 51 ms (on 2026-11-21 one round at that rate gave p99 1.88 s). A fair figure needs the load scaled to the machine or a quieter host; the guarantees held either way.',
  '**Profile and diagnosis (2026-11-21).** The p99 meets the target by a thin margin, and it varies from round to round (1.97–4.63 s over the counted rounds of three full runs). Three things set it.',
  "(1) *The reconnection delay.* socket.io-client (the browser app's defaults) makes its first attempt 0.5–1.5 s after the drop: that is the floor. In one diagnostic round at 5 events/s per socket (`RATE=5`), the whole resume took p99 1.66 s. The handshake took 40 / 100 ms (p50 / p99) of that, and the re-subscribe 8 / 59 ms.",
  "(2) *No headroom at 20 events/s.* The 30,000 deliveries/s keep the 2 cores about 80 % busy before the kill and 90 % after it (table above). Strobe's three instances use little more than a quarter of that; HAProxy and the 1,500 clients use most of the rest.",
  'One diagnostic round per rate (fresh cluster) gave p99 1.66 s at 5 events/s, 1.88 s at 10, 2.60 s at 15 and 4.4 s at 20. The step that grows is the reconnect handshake (first attempt → engine.io open), not the replay.',
  '`PROBE=1` timed new connections around the kill. A GET /readyz on a new connection straight to a survivor, bypassing HAProxy, took 10 ms before the kill and a median of 1.3–1.4 s between 1.5 and 3 s after it; through HAProxy it took the same.',
  "The kernel saw no accept-queue overflow and no SYN retransmit in those 3 s (`ListenOverflows`, `ListenDrops` and `TCPSynRetrans` all 0). So new connections wait for the survivors' event loops, and those wait for the CPU.",
  "A CPU profile of a survivor over the 4 s after the kill (`PROFILE=1`) shows where its time goes. The live fan-out (hub.deliver → socket.io room broadcast → engine.io → ws) takes about 45 % of its busy time, and the `writev` syscall alone about 46 %. The handshake and re-subscribe path (socket-server.ts, hub.subscribe, the replay script, the session lookup in PostgreSQL) takes about 15 %.",
  "No function of Strobe's own stands out. Each survivor takes over 250 more sockets' fan-out (+50 %) at the moment the reconnecting clients arrive.",
  '(3) *Warmth.* The first kill after a cluster start is slower: p99 3.9–10.2 s in the first round of every run at 20 events/s, against 2.0–4.6 s in later rounds. This is presumably JIT warm-up of the handshake path; it was not profiled further. Hence the warm-up round.',
  '**Tried.** A shorter reconnection delay (`RECONNECT_DELAY_MS=500`: first attempts at 0.25–0.75 s) made it much worse: p99 5.8, 10.6 and 7.7 s in 3 warm rounds. The reconnecting clients then arrive within half the time, on survivors that have no CPU to spare. The randomized 1 s default is doing useful work, so keep it.',
  'Running the client processes at `nice 10` (so Strobe and HAProxy are scheduled first, as they would be with browsers on other machines) was inconclusive. It gave p99 2.2–3.3 s in one run and 3.1–4.0 s in another, because the starved clients then lag themselves.',
  'Missed and duplicated stayed 0 in every round, the warm-up, discarded and diagnostic rounds included. Every resume was `recovered: true`, and no client saw a failed connection attempt: HAProxy redispatches the attempts that still land on the dead instance before its health check marks it down.',
].join(' ');

interface Round {
  round: number;
  clients: number;
  affected: number;
  resume: { p50: number; p99: number; max: number };
  steps: Record<string, { p50: number; p99: number }>;
  missed: number;
  duplicated: number;
  notRecovered: number;
  notResumed: number;
  unaffectedDrops: number;
  replayedMedian: number;
  connectErrorsTotal: number;
  published: { perSecond: number };
  latencyMs: Record<string, { p50: number; p99: number }>;
  cpu: { steady: Record<string, number>; afterKill3s: Record<string, number> };
}

const s = (ms: number) => `${(ms / 1000).toFixed(2)} s`;

const mid = (v: number[]) => [...v].sort((a, b) => a - b)[Math.floor((v.length - 1) / 2)]!;

export default function kill(r: BenchResult): string {
  const setup = r.setup as { clients: number; clientProcesses: number; users: number; eventsPerSecondPerSocket: Record<string, number>; steadyMs: number; afterKillMs: number; reconnection: string; betweenRounds: string };
  const rounds = r.perRound as Round[];
  const sum = r.summary as Record<string, number>;
  const warmup = (r.warmup as Round[] | undefined) ?? [];
  const discarded = (r.discardedRounds as { round: number; othersPercent: number }[] | undefined) ?? [];
  const all = r.resumeMsAll as number[][];
  const chart = writeChart(
    'kill',
    cdfChart({
      title: 'Kill → resumed, per socket that was on the killed instance',
      xLabel: 'ms from SIGKILL until every stream was re-subscribed',
      series: all.map((v, i) => ({ name: `round ${rounds[i]?.round ?? i + 1}`, values: v })),
      marks: [{ x: 3_000, label: 'target 3 s' }],
    }),
    'CDF of the time from the SIGKILL until each affected socket had resumed, per round, with the 3 s target',
  );
  const cpuKeys = ['web1', 'web2', 'web3', 'haproxy', 'clients1', 'clients2', 'redis', 'bench', 'others'];
  const cpuRow = (phase: 'steady' | 'afterKill3s') => {
    const cells = cpuKeys.map((k) => {
      const vals = rounds.map((x) => x.cpu[phase][k]).filter((n): n is number => n !== undefined);
      return vals.length ? mid(vals) : undefined;
    });
    const total = cells.reduce<number>((a, c) => a + (c ?? 0), 0);
    return `| ${phase === 'steady' ? 'steady, before the kill' : 'the 3 s after the kill'} | ${cells.map((c) => (c === undefined ? '–' : `${c} %`)).join(' | ')} | ${total} % |`;
  };
  const stepNames = Object.keys(rounds[0]?.steps ?? {});
  const roundRow = (x: Round, label: string) =>
    `| ${label} | ${x.affected} of ${x.clients} | ${s(x.resume.p50)} | ${s(x.resume.p99)} | ${s(x.resume.max)} | ${x.missed} | ${x.duplicated} | ${x.notRecovered} | ${x.replayedMedian} | ${x.latencyMs.steady?.p50} / ${x.latencyMs.steady?.p99} ms |`;
  const targetRow = (what: string, figure: string, target: string, met: boolean) => `| ${what} | **${figure}** | ${target} | ${met ? 'met' : 'not met'} |`;
  const missed = sum.missedTotal! + warmup.reduce((a, w) => a + w.missed, 0);
  const duplicated = sum.duplicatedTotal! + warmup.reduce((a, w) => a + w.duplicated, 0);
  const n = rounds.length + warmup.length;
  return [
    `${setup.clients.toLocaleString('en')} socket.io clients (in ${setup.clientProcesses} child processes, signed in as ${setup.users} users) connect through HAProxy to 3 web instances and no worker; leastconn spreads them 500 per instance.`,
    `Each is a signed-in tab on the Latest wall: it watches \`latest\` (${setup.eventsPerSecondPerSocket.latest} \`photo.ready\`/s) and its own \`user\` stream (${setup.eventsPerSecondPerSocket.user} notifications/s), so every socket receives 20 events/s (${Math.round(sum.deliveriesPerSecond!).toLocaleString('en')} deliveries/s in all), and every resume re-subscribes one busy and one quiet stream.`,
    "A publisher in the benchmark process (a `RedisBus` on the cluster's prefix and replay window) publishes them; the offsets it gets back are the expected sequence.",
    `The clients behave like the browser app (\`web/src/lib/live.ts\`): WebSocket transport, ${setup.reconnection}, every stream re-subscribed on reconnect with \`since\` = the newest offset seen, a lost ack retried. Unlike the app they keep every offset as it arrived, so a gap or a duplicate shows.`,
    `Each round: all clients connect and subscribe, ${setup.steadyMs / 1000} s of steady traffic, \`SIGKILL\` of web2, ${setup.afterKillMs / 1000} s more traffic, then the publisher stops and every socket is checked per stream: every published offset exactly once, in order.`,
    `"Resumed" is when the last re-subscribe ack (with its replay) arrived at a socket that was on web2. One cluster for the whole run; between rounds: ${setup.betweenRounds}.`,
    `${rounds.length} rounds, after ${warmup.length} warm-up round${warmup.length === 1 ? '' : 's'} that ${warmup.length === 1 ? 'is' : 'are'} shown but not counted: on a fresh cluster the survivors' code is not warm yet, and a production cluster's survivors are. Figures are medians over the counted rounds.`,
    discarded.length
      ? `${discarded.length} round(s) were discarded and run again because other processes on the shared machine used more than 25 % of a core meanwhile (${discarded.map((d) => `${d.othersPercent} %`).join(', ')}).`
      : 'No round was disturbed by other processes on the shared machine (more than 25 % of a core), so none had to be run again.',
    '',
    '| round | affected sockets | kill → resumed p50 | p99 | max | missed | duplicated | resumes not recovered | events replayed per resume (median) | steady publish → deliver p50 / p99 |',
    '|---|---|---|---|---|---|---|---|---|---|',
    ...warmup.map((w) => roundRow(w, `${w.round} (warm-up)`)),
    ...rounds.map((x) => roundRow(x, String(x.round))),
    `| **median** | ${sum.affected} | **${s(sum.resumeP50Ms!)}** | **${s(sum.resumeP99Ms!)}** | ${s(sum.resumeMaxMs!)} | ${sum.missed} | ${sum.duplicated} | | | ${sum.steadyLatencyP50Ms} / ${sum.steadyLatencyP99Ms} ms |`,
    '',
    'Where the time goes, per affected socket (p50 / p99 over the affected sockets, median over the counted rounds):',
    '',
    `| ${stepNames.join(' | ')} |`,
    `|${stepNames.map(() => '---').join('|')}|`,
    `| ${stepNames.map((k) => `${mid(rounds.map((x) => x.steps[k]!.p50))} / ${mid(rounds.map((x) => x.steps[k]!.p99))} ms`).join(' | ')} |`,
    '',
    'CPU, % of one core (the machine has 2: 200 % is all of it), median over the counted rounds:',
    '',
    '| | web1 | web2 | web3 | HAProxy | clients 1 | clients 2 | Redis | publisher | other processes | total |',
    '|---|---|---|---|---|---|---|---|---|---|---|',
    cpuRow('steady'),
    cpuRow('afterKill3s'),
    '',
    '| target | figure | target | |',
    '|---|---|---|---|',
    targetRow('kill → resumed, p99 (median over rounds)', s(sum.resumeP99Ms!), '≤ 3 s', sum.resumeP99Ms! <= 3_000),
    targetRow('missed events', `${missed} in ${n} rounds`, '0', missed === 0),
    targetRow('duplicated events', `${duplicated} in ${n} rounds`, '0', duplicated === 0),
    '',
    chart,
    '',
    FINDINGS,
  ].join('\n');
}

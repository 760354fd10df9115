// Report section for benchmark 9 (bench/converse.ts).
import type { ConverseSummary as Summary, StepResult as Step } from '../converse.js';
import type { BenchResult } from '../lib/results.js';

export default function converse(r: BenchResult): string {
  const s = r.summary as Summary;
  const ladder = r.ladder as Step[];
  const rounds = r.rounds as Step[];
  const t = r.targets as { p99Ms: number; busy: number };
  const users = r.users as number;
  const photos = r.photos as number;
  const row = (x: Step, label: string) =>
    `| ${label} | ${x.rate} | ${x.deliveriesPerS.toLocaleString('en')} | ${x.p50} ms | ${x.p99} ms | ${x.missingPct} % | ${x.refused} | ${x.busyPct} % |`;
  return [
    `Two web instances and a worker behind HAProxy (real processes; PostgreSQL, Redis, RabbitMQ on this machine). ${users} signed-in users (inserted with SQL; sessions opened with Strobe's session code), each with one socket.io client through HAProxy watching \`chat:lobby\` and one of ${photos} photos' \`photo:<id>\` streams (${Math.round(users / photos)} watchers per photo).`,
    `The users send through the public API: chat messages with \`chat:send\` on their sockets (every message goes to all ${users} sockets), and one comment for every ${(r.commentEvery as number) - 1} chat messages with \`POST /api/photos/:id/comments\` (to that photo's watchers); senders in turn, so every user stays within the per-user rate limits (nothing bypassed). The latency is from the send to each viewer's socket, on one clock.`,
    `A ladder of aggregate send rates (${r.stepSeconds as number} s each) reads how busy the whole machine is (/proc/stat, every process: the servers, the databases and the ${users} clients of this harness); the rate at ${t.busy * 100} % busy is interpolated between the steps around it, then ${rounds.length} rounds run at it. Medians over those rounds.`,
    '',
    '| | messages/s | deliveries/s | p50 | p99 | missing | refused | machine busy |',
    '|---|---|---|---|---|---|---|---|',
    ...ladder.map((x, i) => row(x, `ladder ${i + 1}`)),
    ...rounds.map((x, i) => row(x, `at 70 %, round ${i + 1}`)),
    '',
    '| target | figure | target | |',
    '|---|---|---|---|',
    `| rate at ${t.busy * 100} % busy | **${s.rateAt70} messages/s** (${s.deliveriesPerS.toLocaleString('en')} deliveries/s, ${s.busyPct} % busy)${s.capped ? '; the per-user rate limits of these users end the ladder before the machine is that busy' : ''} | reported | |`,
    `| p99 from send to every viewer there | **${s.p99} ms** (p50 ${s.p50} ms; ${s.missingPct} % missing, ${s.refused} refused) | ≤ ${t.p99Ms} ms | ${s.p99 <= t.p99Ms && s.missingPct === 0 ? 'met' : '**not met**'} |`,
  ].join('\n');
}

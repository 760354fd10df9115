// Report section for bench/shards.ts: one Redis against a three-master Redis Cluster.
import type { BenchResult } from '../lib/results.js';

interface Side {
  publishesPerSecond: number;
  deliveriesPerSecond: number;
  cpu: Record<string, number>;
}

const n = (v: number) => v.toLocaleString('en-US');
const cpu = (c: Record<string, number>) => Object.entries(c).map(([k, v]) => `${k} ${v} %`).join(', ');

/** CPU microseconds per publish of a process group: % of one core ÷ publishes per second. */
const perPublish = (cpuPercent: number, publishesPerSecond: number) => Math.round(((cpuPercent / 100) * 1e6) / publishesPerSecond);

function profile(s: { single: Side; cluster: Side }): string {
  const one = s.single;
  const many = s.cluster;
  const redisOne = perPublish(one.cpu.redis ?? 0, one.publishesPerSecond);
  const masters = perPublish(many.cpu.masters ?? 0, many.publishesPerSecond);
  const replicas = perPublish(many.cpu.replicas ?? 0, many.publishesPerSecond);
  const pubOne = perPublish(one.cpu.publishers ?? 0, one.publishesPerSecond);
  const pubMany = perPublish(many.cpu.publishers ?? 0, many.publishesPerSecond);
  const total = (c: Record<string, number>) => Object.values(c).reduce((a, v) => a + v, 0);
  return [
    `**Profile.** Both set-ups use the whole machine (${total(one.cpu)} % and ${total(many.cpu)} % of the two cores' 200 %, before the kernel's share of loopback TCP), so the ratio is what one event costs, not what a cluster can carry.`,
    `Per publish, one Redis spends ${redisOne} µs of CPU; the cluster's masters together spend ${masters} µs and their replicas ${replicas} µs more. The replicas' share is plain: a replica replays every script's writes, and sharded pub/sub sends every SPUBLISH to the replicas of its shard as well. Why the masters cost more per publish than one Redis was not profiled further; six redis-server processes contending for two cores, and each master feeding a replica, are the likely part.`,
    `The publishers spend ${pubOne} µs per publish against one Redis and ${pubMany} µs against the cluster (ioredis's cluster client: a slot lookup per command and one smaller pipeline per master).`,
    'Each publish is still one script on one shard (a stream\'s keys share a hash tag), and a receiver subscribes to the channels of the streams it watches only, so deliveries are exactly the watched share of the publishes ("missing" would count any shortfall).',
    'So on one 2-core host a cluster costs about half the throughput; it pays off where one Redis\'s single thread is the limit and each master (and replica) has a core or a host of its own: the publish work then divides by the number of masters.',
  ].join(' ');
}

export default function shards(r: BenchResult): string {
  const setup = r.setup as { rounds: number; seconds: number; streams: number; unwatchedStreams: number; publishers: number; receivers: number; window: number; payloadBytes: number };
  const s = r.summary as { single: Side; cluster: Side; ratio: { publishes: number; deliveries: number }; missing: number; errors: number };
  const rounds = r.perRound as { ratio: { publishes: number; deliveries: number } }[];
  return [
    `${setup.publishers} publisher processes (each a RedisBus keeping ${setup.window} publishes in flight: the Lua script that appends the event to its stream's history and SPUBLISHes it) and ${setup.receivers} receiver processes (each a RedisBus SSUBSCRIBEd to its share of ${setup.streams - setup.unwatchedStreams} streams, as web instances are for their clients; ${setup.unwatchedStreams} more streams are watched by nobody), ${setup.payloadBytes}-byte events, ${setup.seconds} s per run, ${setup.rounds} rounds, the two targets in alternating order within each round. One Redis and the cluster run the same redis-server binary with the same settings, on the same machine.`,
    '',
    '| target | publishes/s | deliveries/s | CPU while publishing (% of one core) |',
    '|---|---|---|---|',
    `| one Redis | ${n(s.single.publishesPerSecond)} | ${n(s.single.deliveriesPerSecond)} | ${cpu(s.single.cpu)} |`,
    `| Redis Cluster, 3 masters + 3 replicas | ${n(s.cluster.publishesPerSecond)} | ${n(s.cluster.deliveriesPerSecond)} | ${cpu(s.cluster.cpu)} |`,
    `| **cluster / single (median of per-round ratios)** | **${s.ratio.publishes}×** | **${s.ratio.deliveries}×** | |`,
    '',
    `Per-round ratios (publishes, deliveries): ${rounds.map((x) => `${x.ratio.publishes}× / ${x.ratio.deliveries}×`).join('; ')}. Missing deliveries over all runs: ${s.missing}; publish errors: ${s.errors}.`,
    '',
    profile(s),
  ].join('\n');
}

// Redis connections, to one Redis or to a Redis Cluster. REDIS_URL names a cluster with the scheme
// `redis+cluster://` (or `rediss+cluster://` for TLS) and a comma-separated list of seed nodes:
// `redis+cluster://user:pass@10.0.0.1:6379,10.0.0.2:6379`; any one reachable node is enough to
// learn the rest. ioredis reconnects by itself with this back-off; commands issued while it is away
// fail fast (no offline queue), and a command unanswered for COMMAND_TIMEOUT_MS fails too, so a
// silently partitioned Redis makes requests and health checks fail instead of hang.
import { Cluster, Redis, type RedisOptions } from 'ioredis';

export type RedisClient = Redis | Cluster;

/** Long enough for a busy Redis, short enough that /readyz turns red while a shard is unreachable. */
export const COMMAND_TIMEOUT_MS = 2_000;

export interface RedisTarget {
  cluster: boolean;
  nodes: { host: string; port: number }[];
  options: RedisOptions;
}

const CLUSTER_SCHEMES = ['redis+cluster:', 'rediss+cluster:'];

export function isClusterUrl(url: string): boolean {
  return CLUSTER_SCHEMES.some((s) => url.startsWith(`${s}//`));
}

/** Reads REDIS_URL; throws a message naming what is wrong (config.ts reports it). */
export function parseRedisUrl(url: string): RedisTarget {
  if (!isClusterUrl(url)) {
    const u = new URL(url);
    if (u.protocol !== 'redis:' && u.protocol !== 'rediss:') throw new Error('must start with redis://, rediss://, redis+cluster:// or rediss+cluster://');
    return { cluster: false, nodes: [{ host: u.hostname, port: Number(u.port || 6379) }], options: credentials(u) };
  }
  const tls = url.startsWith('rediss+');
  const rest = url.slice(url.indexOf('//') + 2);
  const at = rest.lastIndexOf('@');
  const auth = at === -1 ? '' : `${rest.slice(0, at)}@`;
  const hostsAndPath = at === -1 ? rest : rest.slice(at + 1);
  const slash = hostsAndPath.indexOf('/');
  const hosts = slash === -1 ? hostsAndPath : hostsAndPath.slice(0, slash);
  const list = hosts.split(',').map((h) => h.trim()).filter(Boolean);
  if (list.length === 0) throw new Error('names no node: use redis+cluster://host:port,host:port');
  let options: RedisOptions = {};
  const nodes = list.map((hostPort) => {
    let u: URL;
    try {
      u = new URL(`redis://${auth}${hostPort}`);
    } catch {
      throw new Error(`"${hostPort.slice(0, 60)}" is not a host:port`);
    }
    if (!u.hostname || u.pathname.length > 1) throw new Error(`"${hostPort.slice(0, 60)}" is not a host:port`);
    options = credentials(u);
    return { host: u.hostname.replace(/^\[|\]$/g, ''), port: Number(u.port || 6379) };
  });
  return { cluster: true, nodes, options: tls ? { ...options, tls: {} } : options };
}

function credentials(u: URL): RedisOptions {
  const options: RedisOptions = {};
  if (u.username) options.username = decodeURIComponent(u.username);
  if (u.password) options.password = decodeURIComponent(u.password);
  if (u.protocol === 'rediss:') options.tls = {};
  return options;
}

export function openRedis(url: string, name: string, opts: { onError?: (err: Error) => void } = {}): RedisClient {
  const target = parseRedisUrl(url);
  const common: RedisOptions = {
    ...target.options,
    connectionName: name,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    commandTimeout: COMMAND_TIMEOUT_MS,
    connectTimeout: COMMAND_TIMEOUT_MS,
    retryStrategy: (times) => Math.min(2_000, 50 * 2 ** Math.min(times, 6)),
    lazyConnect: true,
    // The commands of one event-loop tick leave in one write (every request's session GET, under
    // load): Redis's CPU per home read fell from 25 to 7 µs and the web process's by a fifth
    // (docs/benchmarks.md, benchmark 5). Order per connection is unchanged.
    enableAutoPipelining: true,
  };
  const client: RedisClient = target.cluster
    ? new Cluster(target.nodes, {
        redisOptions: common,
        lazyConnect: true,
        enableOfflineQueue: false,
        enableAutoPipelining: true,
        // A failover takes the cluster a few seconds (cluster-node-timeout plus an election):
        // commands to the lost master are retried on the new one meanwhile, then give up.
        retryDelayOnFailover: 200,
        retryDelayOnClusterDown: 200,
        retryDelayOnTryAgain: 100,
        maxRedirections: 16,
        slotsRefreshTimeout: COMMAND_TIMEOUT_MS,
        // Learns of a failover even on a connection that sees no error.
        slotsRefreshInterval: 5_000,
        clusterRetryStrategy: (times) => Math.min(2_000, 100 * times),
      })
    : new Redis({ ...common, host: target.nodes[0]!.host, port: target.nodes[0]!.port, db: dbOf(url) });
  client.on('error', (err: Error) => opts.onError?.(err));
  return client;
}

function dbOf(url: string): number {
  const db = new URL(url).pathname.slice(1);
  return /^\d+$/.test(db) ? Number(db) : 0;
}

/** Connects and waits until the server (every master, for a cluster) answers. */
export async function ready<T extends RedisClient>(redis: T): Promise<T> {
  if (redis.status === 'wait') await redis.connect();
  await pingAll(redis);
  return redis;
}

/** Pings one Redis, or every master of a cluster; rejects naming the one that did not answer. */
export async function pingAll(redis: RedisClient): Promise<void> {
  if (!(redis instanceof Cluster)) {
    await redis.ping();
    return;
  }
  const masters = redis.nodes('master');
  if (masters.length === 0) throw new Error(`cluster connection is ${redis.status}, no master known`);
  await Promise.all(
    masters.map((node) =>
      node.ping().catch((err: Error) => {
        throw new Error(`master ${node.options.host}:${node.options.port}: ${err.message}`);
      }),
    ),
  );
}

/** Asks the cluster who owns which slot now; an unreachable cluster leaves the old map. */
export function refreshSlots(cluster: Cluster): Promise<void> {
  return new Promise((resolve) => {
    (cluster as unknown as { refreshSlotsCache(cb: (err?: Error) => void): void }).refreshSlotsCache(() => resolve());
  });
}

// Sharded pub/sub (SSUBSCRIBE, Redis 7): each channel is subscribed on the master that owns its
// slot, and on nothing else, over one connection per such master. On a single Redis that is one
// connection, and the same code runs.
//
// A connection that drops (its master died, or Redis restarted) takes its channels with it, and so
// does a slot that moves away (Redis then unsubscribes us itself). Recovery then asks the cluster
// who owns each slot now, subscribes every lost channel on its owner, retrying until that works,
// and only then reports the gap: whatever was published meanwhile never reached us, and the bus's
// clients must resume onto a feed that is live again. A keepalive PING finds a connection that
// went silent without closing (a partition): it times out, and the connection is dropped.
import { Cluster, Redis, type RedisOptions } from 'ioredis';
import calculateSlot from 'cluster-key-slot';
import { COMMAND_TIMEOUT_MS, refreshSlots, type RedisClient } from './connection.js';

const KEEPALIVE_MS = 5_000;
const RETRY_MIN_MS = 100;
const RETRY_MAX_MS = 1_000;
/** How long a subscribe waits for a recovery in progress before it fails. */
const SUBSCRIBE_WAIT_MS = 15_000;

interface Node {
  key: string;
  host: string;
  port: number;
}

export interface ShardedSubscriberHandlers {
  message(channel: string, message: string): void;
  /** Channels were lost for a while and are subscribed again: live delivery may have skipped events. */
  recovered(): void;
}

export class ShardedSubscriber {
  /** Channels we must be subscribed to. */
  private readonly wanted = new Set<string>();
  /** Channel -> the node it is subscribed on now. Missing: lost, waiting for recovery. */
  private readonly subscribed = new Map<string, string>();
  private readonly connections = new Map<string, Redis>();
  private recovery: Promise<void> | undefined;
  /** A loss seen while a recovery was already running: it must go round again. */
  private again = false;
  /** Whether a recovery has channels to report lost (a failed first subscribe has none). */
  private gap = false;
  private closed = false;
  private readonly keepalive: NodeJS.Timeout;

  constructor(
    /** The command connection: its cluster slot map says who owns what; its options are copied. */
    private readonly client: RedisClient,
    private readonly name: string,
    private readonly handlers: ShardedSubscriberHandlers,
  ) {
    this.keepalive = setInterval(() => this.ping(), KEEPALIVE_MS);
    this.keepalive.unref();
  }

  async subscribe(channel: string): Promise<void> {
    this.wanted.add(channel);
    try {
      await this.subscribeOnOwner(channel);
    } catch {
      // The owner is unreachable or has just changed: recovery finds the new one.
      this.recover();
      await this.until(() => this.subscribed.has(channel) || !this.wanted.has(channel), SUBSCRIBE_WAIT_MS, `channel ${channel} to be subscribed`);
    }
  }

  async unsubscribe(channel: string): Promise<void> {
    this.wanted.delete(channel);
    const node = this.subscribed.get(channel);
    this.subscribed.delete(channel);
    const conn = node === undefined ? undefined : this.connections.get(node);
    if (conn?.status === 'ready') await conn.sunsubscribe(channel).catch(() => {});
  }

  /**
   * Throws while channels are lost (a recovery is running) or a connection is down; pings each.
   * A channel being subscribed for the first time is not lost: under a storm of new connections
   * (every client of a failed instance arriving at once) some always are, and calling that down
   * made the readiness watchdog drop every client of a healthy instance.
   */
  async health(): Promise<void> {
    if (this.recovery) throw new Error('resubscribing after a lost shard');
    await Promise.all(
      [...this.connections].map(async ([key, conn]) => {
        if (conn.status !== 'ready') throw new Error(`subscriber connection to ${key} is ${conn.status}`);
        await conn.ping().catch((err: Error) => {
          throw new Error(`subscriber connection to ${key}: ${err.message}`);
        });
      }),
    );
  }

  /** The node each subscribed channel is on (`host:port`), for tests and diagnostics. */
  placement(): Map<string, string> {
    return new Map(this.subscribed);
  }

  close(): void {
    this.closed = true;
    clearInterval(this.keepalive);
    for (const conn of this.connections.values()) conn.disconnect();
    this.connections.clear();
    this.subscribed.clear();
    this.wanted.clear();
  }

  private async subscribeOnOwner(channel: string): Promise<void> {
    const node = this.ownerOf(channel);
    const conn = await this.connection(node);
    await conn.ssubscribe(channel);
    // Unsubscribed while we waited: undo, or it would stay subscribed with nobody wanting it.
    if (!this.wanted.has(channel)) return void (await conn.sunsubscribe(channel).catch(() => {}));
    this.subscribed.set(channel, node.key);
  }

  private ownerOf(channel: string): Node {
    if (!(this.client instanceof Cluster)) {
      const { host = '127.0.0.1', port = 6379 } = this.client.options;
      return { key: `${host}:${port}`, host, port };
    }
    const key = this.client.slots[calculateSlot(channel)]?.[0];
    if (!key) throw new Error(`no master known for the slot of ${channel}`);
    const colon = key.lastIndexOf(':');
    return { key, host: key.slice(0, colon), port: Number(key.slice(colon + 1)) };
  }

  private async connection(node: Node): Promise<Redis> {
    let conn = this.connections.get(node.key);
    if (!conn) {
      const base: RedisOptions = this.client instanceof Cluster ? (this.client.options.redisOptions ?? {}) : this.client.options;
      conn = new Redis({
        ...base,
        host: node.host,
        port: node.port,
        connectionName: this.name,
        // Recovery reconnects, to whichever node owns the slots by then.
        retryStrategy: () => null,
        enableOfflineQueue: true,
        commandTimeout: COMMAND_TIMEOUT_MS,
        connectTimeout: COMMAND_TIMEOUT_MS,
        lazyConnect: true,
      });
      const c = conn;
      this.connections.set(node.key, c);
      c.on('smessage', (channel: string, message: string) => {
        if (this.subscribed.get(channel) === node.key) this.handlers.message(channel, message);
      });
      c.on('error', () => {}); // the drop below is what matters; the command connection logs
      c.on('end', () => this.dropped(node.key, c));
      // Redis unsubscribed us from a slot that moved away (ioredis reports it as `moved`).
      c.on('moved', () => this.lose((channel) => this.subscribed.get(channel) === node.key && this.ownerOfOrUndefined(channel) !== node.key));
    }
    if (conn.status === 'wait') await conn.connect();
    else if (conn.status !== 'ready') await this.until(() => conn.status === 'ready' || conn.status === 'end', COMMAND_TIMEOUT_MS, `${node.key} to connect`);
    if (conn.status !== 'ready') throw new Error(`subscriber connection to ${node.key} is ${conn.status}`);
    return conn;
  }

  private ownerOfOrUndefined(channel: string): string | undefined {
    try {
      return this.ownerOf(channel).key;
    } catch {
      return undefined;
    }
  }

  private dropped(key: string, conn: Redis): void {
    if (this.connections.get(key) !== conn) return;
    this.connections.delete(key);
    conn.removeAllListeners('smessage');
    this.lose((channel) => this.subscribed.get(channel) === key);
  }

  private lose(which: (channel: string) => boolean): void {
    if (this.closed) return;
    const lost = [...this.subscribed.keys()].filter(which);
    for (const channel of lost) this.subscribed.delete(channel);
    if (lost.length === 0) return;
    this.gap = true;
    this.recover();
  }

  /** One recovery at a time; a loss during one makes it go round again before it reports. */
  private recover(): void {
    if (this.recovery) {
      this.again = true;
      return;
    }
    this.recovery = this.recoverUntilDone().finally(() => (this.recovery = undefined));
  }

  private async recoverUntilDone(): Promise<void> {
    let wait = RETRY_MIN_MS;
    while (!this.closed) {
      this.again = false;
      if (this.client instanceof Cluster) await refreshSlots(this.client);
      const missing = [...this.wanted].filter((c) => !this.subscribed.has(c));
      const results = await Promise.allSettled(missing.map((c) => this.subscribeOnOwner(c)));
      if (results.every((r) => r.status === 'fulfilled') && !this.again) {
        if (this.gap && !this.closed) this.handlers.recovered();
        this.gap = false;
        return;
      }
      await new Promise((resolve) => setTimeout(resolve, wait));
      wait = Math.min(RETRY_MAX_MS, wait * 2);
    }
  }

  private ping(): void {
    for (const [key, conn] of this.connections) {
      if (conn.status !== 'ready') continue;
      // A connection that no longer answers is one that no longer delivers: drop it.
      conn.ping().catch(() => {
        conn.disconnect();
        this.dropped(key, conn);
      });
    }
  }

  private until(check: () => boolean, timeoutMs: number, what: string): Promise<void> {
    return new Promise((resolve, reject) => {
      const deadline = Date.now() + timeoutMs;
      const tick = () => {
        if (check()) return resolve();
        if (this.closed) return reject(new Error('subscriber closed'));
        if (Date.now() > deadline) return reject(new Error(`timed out waiting for ${what}`));
        setTimeout(tick, 20);
      };
      tick();
    });
  }
}

// Cluster realtime bus on Redis or a Redis Cluster. Each stream is a Redis Stream holding its replay
// history; a Lua script appends the event (XADD assigns the offset), trims by count and time, and
// SPUBLISHes the encoded envelope on the stream's channel, all atomically, so every instance sees
// the same offsets in the same order. Every key and the channel of a stream share its hash tag,
// `<prefix>{<stream>}:…`, so that script runs on the one shard that owns the stream. Delivery is
// interest-based and sharded: an instance SSUBSCRIBEs only to the channels of streams its clients
// watch (the hub reference-counts them), each on the master that owns it (shard-subscriber.ts).
// On a single Redis 7 it is the same code, with one shard.
//
// A resume is refused below a floor: the stream's max-deleted-entry-id (what trimming removed),
// or the epoch of the stream's slot, set when that slot's shard first saw this bus. A shard that
// restarts empty loses its epochs with its streams and gets new ones, so offsets from before are
// refused rather than answered with a partial history. The epochs of every slot are set when a
// bus opens (so a quiet stream resumes from any offset seen since), and each expires after four
// replay windows without a touch: by then every stream of its slot has been idle for longer than
// twice the window, so no offset it could judge can still be accepted (see REPLAY).
import { Cluster } from 'ioredis';
import calculateSlot from 'cluster-key-slot';
import type { PublishManyOptions, PublishOptions, Replay, RealtimeBus } from '../../ports/bus.js';
import type { Envelope, EventData, EventType } from '../../shared/realtime.js';
import { ready, refreshSlots, type RedisClient } from './connection.js';
import { ShardedSubscriber } from './shard-subscriber.js';

export interface RedisBusOptions {
  prefix: string;
  windowMs: number;
  maxEvents: number;
}

/** The key of a stream's history (a Redis Stream). */
export function historyKey(prefix: string, stream: string): string {
  return `${prefix}{${stream}}:s`;
}

/** The sharded pub/sub channel of a stream: in its slot. */
export function channelOf(prefix: string, stream: string): string {
  return `${prefix}{${stream}}:c`;
}

let slotTags: string[] | undefined;

/**
 * A short hash tag for every one of the 16384 slots, the first base-36 number that hashes there:
 * the same table on every instance, so `{<tag>}` names one key per slot for all of them.
 */
function slotTag(slot: number): string {
  if (!slotTags) {
    const tags: string[] = new Array<string>(16_384);
    for (let i = 0, missing = 16_384; missing > 0; i++) {
      const tag = i.toString(36);
      const s = calculateSlot(tag);
      if (tags[s] === undefined) {
        tags[s] = tag;
        missing--;
      }
    }
    slotTags = tags;
  }
  return slotTags[slot]!;
}

/** The epoch of a stream's slot: in that slot, so scripts on the stream can read it. */
export function epochKey(prefix: string, stream: string): string {
  return epochKeyOfSlot(prefix, calculateSlot(historyKey(prefix, stream)));
}

function epochKeyOfSlot(prefix: string, slot: number): string {
  return `${prefix}{${slotTag(slot)}}:epoch`;
}

const COMMON = `
local function epoch(key, ttl)
  local e = redis.call('GET', key)
  if not e then
    local t = redis.call('TIME')
    e = t[1] .. string.format('%03d', math.floor(tonumber(t[2]) / 1000)) .. '-0'
    redis.call('SET', key, e)
  end
  redis.call('PEXPIRE', key, ttl)
  return e
end
local function split(id)
  local dash = string.find(id, '-', 1, true)
  return tonumber(string.sub(id, 1, dash - 1)), tonumber(string.sub(id, dash + 1))
end
local function less(a, b)
  local am, as = split(a)
  local bm, bs = split(b)
  return am < bm or (am == bm and as < bs)
end
`;

// KEYS: slot epoch. ARGV: epoch ttl. Sets the slot's epoch if it has none (see the header).
const SEED = `${COMMON}
epoch(KEYS[1], ARGV[1])
return 1
`;

// KEYS: stream, epoch. ARGV: channel, type, data (JSON), maxEvents, windowMs, stream name, epoch ttl.
const PUBLISH = `${COMMON}
epoch(KEYS[2], ARGV[7])
local id = redis.call('XADD', KEYS[1], 'MAXLEN', '=', ARGV[4], '*', 't', ARGV[2], 'd', ARGV[3])
local ms = split(id)
redis.call('XTRIM', KEYS[1], 'MINID', '=', tostring(ms - tonumber(ARGV[5])))
-- An idle stream's key goes away after twice the window; replay reasons about that below.
redis.call('PEXPIRE', KEYS[1], 2 * tonumber(ARGV[5]))
redis.call('SPUBLISH', ARGV[1], '{"stream":' .. cjson.encode(ARGV[6]) .. ',"offset":"' .. id .. '","type":"' .. ARGV[2] .. '","data":' .. ARGV[3] .. ',"ts":' .. ms .. '}')
return id
`;

// A volatile event (presence): delivered, never stored, so it cannot push real events out of the
// capped history. It still takes the id XADD would have given it, max(now-0, last-generated-id + 1),
// and XSETID moves the stream's last-generated-id there without an entry: PUBLISH and PUBLISH_MANY
// then go on above it, and REPLAY answers a resume from it with exactly the later entries.
// KEYS: stream, epoch. ARGV: channel, type, data (JSON), windowMs, stream name, epoch ttl.
const PUBLISH_VOLATILE = `${COMMON}
epoch(KEYS[2], ARGV[6])
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local id
if redis.call('EXISTS', KEYS[1]) == 1 then
  local info = redis.call('XINFO', 'STREAM', KEYS[1])
  local last = '0-0'
  for i = 1, #info, 2 do
    if info[i] == 'last-generated-id' then last = info[i + 1] end
  end
  local lm, ls = split(last)
  if now > lm then id = now .. '-0' else id = lm .. '-' .. (ls + 1) end
  redis.call('XSETID', KEYS[1], id)
else
  -- No key: nothing was published for twice the window (see REPLAY), and XSETID needs a stream.
  -- An empty one must not look younger than that: its max-deleted-entry-id, REPLAY's floor, says
  -- what a missing key would have, that history reaches back twice the window and no further.
  id = redis.call('XADD', KEYS[1], '*', 'v', '')
  redis.call('XDEL', KEYS[1], id)
  redis.call('XSETID', KEYS[1], id, 'MAXDELETEDID', tostring(now - 2 * tonumber(ARGV[4])) .. '-0')
end
local ms = split(id)
redis.call('PEXPIRE', KEYS[1], 2 * tonumber(ARGV[4]))
redis.call('SPUBLISH', ARGV[1], '{"stream":' .. cjson.encode(ARGV[5]) .. ',"offset":"' .. id .. '","type":"' .. ARGV[2] .. '","data":' .. ARGV[3] .. ',"ts":' .. ms .. '}')
return id
`;

// A fan-out's publish, for a chunk of streams served by one master (in a cluster their slots
// differ: allow-cross-slot-keys lets one script reach them all on that master). KEYS: the first
// stream (it routes the call). ARGV: type, data (JSON), maxEvents, windowMs, epoch ttl, dedupe key
// ('' for none), then for each stream its key, its slot's epoch, its channel and its name.
//
// A stream gets the event only if it has a history (its key exists) or a listener (an instance
// subscribed to its channel): a home stream of a follower who is not online, and was not for
// twice the window, is not created. That keeps replay exact: a key only disappears after twice the
// window without a publish, so an offset it ever held is older than that, and REPLAY refuses it;
// and a key created again is refused below its first entry. Returns how many streams got the event.
//
// Before writing anything it checks that this node serves every key: after a failover or a slot
// migration the caller's map may be stale, and the chunk must then fail whole (NOTLOCAL) and be
// sent again by the new map, never half-applied.
//
// With a dedupe key, a stream whose dedupe set (`<prefix>{<stream>}:k`, beside its history `…:s`,
// so in its slot) holds that key skips the event: the re-run of a fan-out killed after this script
// and before its caller recorded the progress publishes nothing twice. The set keeps the keys of
// the window, like the history.
const PUBLISH_MANY = `#!lua flags=allow-cross-slot-keys
${COMMON}
local base = 6
local dedupe = ARGV[6]
local count = (#ARGV - base) / 4
local exists = {}
for i = 0, count - 1 do
  local key = ARGV[base + 1 + 4 * i]
  local r = redis.pcall('EXISTS', key)
  if type(r) == 'table' and r.err then return redis.error_reply('NOTLOCAL ' .. key) end
  local e = redis.pcall('EXISTS', ARGV[base + 2 + 4 * i])
  if type(e) == 'table' and e.err then return redis.error_reply('NOTLOCAL ' .. key) end
  exists[i] = r
end
local n = 0
for i = 0, count - 1 do
  local key = ARGV[base + 1 + 4 * i]
  local channel = ARGV[base + 3 + 4 * i]
  local seen = string.sub(key, 1, -2) .. 'k'
  if (exists[i] == 1 or redis.call('PUBSUB', 'SHARDNUMSUB', channel)[2] > 0)
    and (dedupe == '' or not redis.call('ZSCORE', seen, dedupe)) then
    epoch(ARGV[base + 2 + 4 * i], ARGV[5])
    local id = redis.call('XADD', key, 'MAXLEN', '=', ARGV[3], '*', 't', ARGV[1], 'd', ARGV[2])
    local ms = split(id)
    redis.call('XTRIM', key, 'MINID', '=', tostring(ms - tonumber(ARGV[4])))
    redis.call('PEXPIRE', key, 2 * tonumber(ARGV[4]))
    if dedupe ~= '' then
      redis.call('ZADD', seen, ms, dedupe)
      redis.call('ZREMRANGEBYSCORE', seen, '-inf', '(' .. tostring(ms - tonumber(ARGV[4])))
      redis.call('PEXPIRE', seen, 2 * tonumber(ARGV[4]))
    end
    redis.call('SPUBLISH', channel, '{"stream":' .. cjson.encode(ARGV[base + 4 + 4 * i]) .. ',"offset":"' .. id .. '","type":"' .. ARGV[1] .. '","data":' .. ARGV[2] .. ',"ts":' .. ms .. '}')
    n = n + 1
  end
end
return n
`;

// KEYS: stream, epoch. ARGV: since ('' for none), windowMs, epoch ttl.
// Returns {recovered (0/1), head or '', entries}.
const REPLAY = `${COMMON}
local floor = epoch(KEYS[2], ARGV[3])
local since = ARGV[1]
local head = ''
local last = nil
local first = nil
local trimmed = '0-0'
if redis.call('EXISTS', KEYS[1]) == 1 then
  local info = redis.call('XINFO', 'STREAM', KEYS[1])
  for i = 1, #info, 2 do
    if info[i] == 'last-generated-id' then last = info[i + 1] end
    if info[i] == 'max-deleted-entry-id' then trimmed = info[i + 1] end
  end
  if less(floor, trimmed) then floor = trimmed end
  local top = redis.call('XREVRANGE', KEYS[1], '+', '-', 'COUNT', 1)
  if #top > 0 then head = top[1][1] end
  local bottom = redis.call('XRANGE', KEYS[1], '-', '+', 'COUNT', 1)
  if #bottom > 0 then first = bottom[1][1] end
end
if since == '' then return {0, head, {}} end
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local sm = split(since)
if less(since, floor) or sm > now then return {0, head, {}} end
if last == nil then
  -- No key: nothing was published for twice the window. Only an offset younger than that can be
  -- sure it missed nothing; an older one may predate events that have expired with the key.
  if sm < now - 2 * tonumber(ARGV[2]) then return {0, head, {}} end
  return {1, head, {}}
end
-- Past the newest offset this shard knows: it was delivered, then lost (a failover that came
-- before the replica had it). What followed it is unknown.
if less(last, since) then return {0, head, {}} end
-- Before the oldest entry, with nothing ever trimmed: the key may have expired and been created
-- again, losing what came between. Only trimming proves the history reaches back to \`since\`.
if first ~= nil and less(since, first) and trimmed == '0-0' then return {0, head, {}} end
return {1, head, redis.call('XRANGE', KEYS[1], '(' .. since, '+')}
`;

/** Streams per fan-out script: it holds its master for a few milliseconds at most. */
const MANY_CHUNK = 500;
/** Fan-out scripts in flight at once. */
const MANY_PARALLEL = 10;

export class RedisBus implements RealtimeBus {
  private handler: (env: Envelope) => void = () => {};
  private gapHandler: () => void = () => {};
  private readonly listening = new Set<string>();
  private readonly subscriber: ShardedSubscriber;
  private readonly epochTtlMs: number;

  private constructor(
    private readonly redis: RedisClient,
    private readonly opts: RedisBusOptions,
  ) {
    this.epochTtlMs = 4 * opts.windowMs;
    redis.defineCommand('strobeSeedEpoch', { numberOfKeys: 1, lua: SEED });
    redis.defineCommand('strobePublish', { numberOfKeys: 2, lua: PUBLISH });
    redis.defineCommand('strobePublishVolatile', { numberOfKeys: 2, lua: PUBLISH_VOLATILE });
    redis.defineCommand('strobeReplay', { numberOfKeys: 2, lua: REPLAY });
    redis.defineCommand('strobePublishMany', { numberOfKeys: 1, lua: PUBLISH_MANY });
    const name = (redis instanceof Cluster ? redis.options.redisOptions?.connectionName : redis.options.connectionName) ?? 'strobe';
    this.subscriber = new ShardedSubscriber(redis, `${name}-sub`, {
      message: (_channel, message) => {
        let env: Envelope;
        try {
          env = JSON.parse(message) as Envelope;
        } catch {
          return;
        }
        if (this.listening.has(env.stream)) this.handler(env);
      },
      // What was published while a shard's subscription was away never reached us.
      recovered: () => this.gapHandler(),
    });
  }

  /**
   * A bus on a command connection (one Redis, or a cluster); it opens its own subscriber
   * connections, one per master that owns a watched stream.
   */
  static async open(redis: RedisClient, opts: RedisBusOptions): Promise<RedisBus> {
    await ready(redis);
    const bus = new RedisBus(redis, opts);
    await bus.seedEpochs();
    return bus;
  }

  /** Sets the epoch of every slot that has none yet (see the header). */
  private async seedEpochs(): Promise<void> {
    const scripts = this.scripts;
    for (let slot = 0; slot < 16_384; slot += 2_048) {
      const batch: Promise<unknown>[] = [];
      for (let s = slot; s < slot + 2_048; s++) batch.push(scripts.strobeSeedEpoch(epochKeyOfSlot(this.opts.prefix, s), this.epochTtlMs));
      await Promise.all(batch);
    }
  }

  private get scripts(): Scripts {
    return this.redis as unknown as Scripts;
  }

  async publish<T extends EventType>(stream: string, type: T, data: EventData[T], opts: PublishOptions = {}): Promise<Envelope<T>> {
    const { prefix, windowMs, maxEvents } = this.opts;
    const [key, epoch, channel, json] = [historyKey(prefix, stream), epochKey(prefix, stream), channelOf(prefix, stream), JSON.stringify(data)];
    const offset = (await (opts.volatile
      ? this.scripts.strobePublishVolatile(key, epoch, channel, type, json, windowMs, stream, this.epochTtlMs)
      : this.scripts.strobePublish(key, epoch, channel, type, json, maxEvents, windowMs, stream, this.epochTtlMs))) as string;
    return { stream, offset, type, data, ts: Number(offset.slice(0, offset.indexOf('-'))) };
  }

  async publishMany<T extends EventType>(streams: readonly string[], type: T, data: EventData[T], opts: PublishManyOptions = {}): Promise<void> {
    const json = JSON.stringify(data);
    const dedupe = opts.dedupeKey ?? '';
    let pending = [...new Set(streams)];
    // A chunk refused because a slot moved is sent again, regrouped by the refreshed map.
    for (let attempt = 0; pending.length > 0; attempt++) {
      const chunks = this.chunksByMaster(pending);
      const refused: string[] = [];
      let failure: unknown;
      for (let i = 0; i < chunks.length; i += MANY_PARALLEL) {
        await Promise.all(
          chunks.slice(i, i + MANY_PARALLEL).map(async (chunk) => {
            try {
              await this.publishChunk(chunk, type, json, dedupe);
            } catch (err) {
              if (String((err as Error).message).startsWith('NOTLOCAL') && attempt < 5) refused.push(...chunk);
              else failure ??= err;
            }
          }),
        );
      }
      if (failure) throw failure;
      pending = refused;
      if (pending.length && this.redis instanceof Cluster) await refreshSlots(this.redis);
    }
  }

  private publishChunk(chunk: readonly string[], type: string, json: string, dedupe: string): Promise<unknown> {
    const { prefix, windowMs, maxEvents } = this.opts;
    const perStream = chunk.flatMap((stream) => [historyKey(prefix, stream), epochKey(prefix, stream), channelOf(prefix, stream), stream]);
    return this.scripts.strobePublishMany(historyKey(prefix, chunk[0]!), type, json, maxEvents, windowMs, this.epochTtlMs, dedupe, ...perStream);
  }

  /** Streams grouped by the master serving them (one group on a single Redis), in chunks. */
  private chunksByMaster(streams: readonly string[]): string[][] {
    const groups = new Map<string, string[]>();
    const slots = this.redis instanceof Cluster ? this.redis.slots : undefined;
    for (const stream of streams) {
      const master = slots?.[calculateSlot(historyKey(this.opts.prefix, stream))]?.[0] ?? '';
      let group = groups.get(master);
      if (!group) groups.set(master, (group = []));
      group.push(stream);
    }
    const chunks: string[][] = [];
    for (const group of groups.values()) for (let i = 0; i < group.length; i += MANY_CHUNK) chunks.push(group.slice(i, i + MANY_CHUNK));
    return chunks;
  }

  async listen(stream: string): Promise<void> {
    this.listening.add(stream);
    await this.subscriber.subscribe(channelOf(this.opts.prefix, stream));
  }

  async unlisten(stream: string): Promise<void> {
    this.listening.delete(stream);
    await this.subscriber.unsubscribe(channelOf(this.opts.prefix, stream));
  }

  onEvent(handler: (env: Envelope) => void): void {
    this.handler = handler;
  }

  onGap(handler: () => void): void {
    this.gapHandler = handler;
  }

  /** Throws unless every subscriber connection is up and every watched stream subscribed. */
  health(): Promise<void> {
    return this.subscriber.health();
  }

  /** Where each watched stream's channel is subscribed (`host:port`), for tests and diagnostics. */
  subscriptions(): Map<string, string> {
    return this.subscriber.placement();
  }

  async replay(stream: string, since: string | undefined): Promise<Replay> {
    const { prefix, windowMs } = this.opts;
    const [recovered, head, entries] = (await this.scripts.strobeReplay(
      historyKey(prefix, stream),
      epochKey(prefix, stream),
      since ?? '',
      windowMs,
      this.epochTtlMs,
    )) as [number, string, [string, string[]][]];
    const events = entries.map(([offset, fields]): Envelope => {
      const f: Record<string, string> = {};
      for (let i = 0; i < fields.length; i += 2) f[fields[i]!] = fields[i + 1]!;
      return { stream, offset, type: f.t as EventType, data: JSON.parse(f.d!) as EventData[EventType], ts: Number(offset.slice(0, offset.indexOf('-'))) };
    });
    return { recovered: recovered === 1, events, head: head || undefined };
  }

  async close(): Promise<void> {
    this.listening.clear();
    this.subscriber.close();
    this.redis.disconnect();
  }
}

interface Scripts {
  strobeSeedEpoch(...args: (string | number)[]): Promise<unknown>;
  strobePublish(...args: (string | number)[]): Promise<unknown>;
  strobePublishVolatile(...args: (string | number)[]): Promise<unknown>;
  strobeReplay(...args: (string | number)[]): Promise<unknown>;
  strobePublishMany(...args: (string | number)[]): Promise<unknown>;
}

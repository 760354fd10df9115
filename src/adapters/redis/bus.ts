// Cluster realtime bus on Redis. Each stream is a Redis Stream holding its replay history; a Lua
// script appends the event (XADD assigns the offset), trims by count and time, and PUBLISHes the
// encoded envelope on the stream's channel, all atomically, so every instance sees the same
// offsets in the same order. Delivery is interest-based: an instance SUBSCRIBEs only to the
// channels of streams its clients watch (the hub reference-counts them).
//
// A resume is refused below a floor: the stream's max-deleted-entry-id (what trimming removed),
// or the epoch, set when this Redis first saw a publish. A Redis that restarts empty gets a new
// epoch, so offsets from before it are refused rather than answered with a partial history.
import type { Redis } from 'ioredis';
import type { PublishOptions, Replay, RealtimeBus } from '../../ports/bus.js';
import type { Envelope, EventData, EventType } from '../../shared/realtime.js';
import { ready } from './connection.js';

export interface RedisBusOptions {
  prefix: string;
  windowMs: number;
  maxEvents: number;
}

const COMMON = `
local function epoch(key)
  local e = redis.call('GET', key)
  if not e then
    local t = redis.call('TIME')
    e = t[1] .. string.format('%03d', math.floor(tonumber(t[2]) / 1000)) .. '-0'
    redis.call('SET', key, e)
  end
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

// KEYS: stream, epoch. ARGV: channel, type, data (JSON), maxEvents, windowMs, stream name.
const PUBLISH = `${COMMON}
epoch(KEYS[2])
local id = redis.call('XADD', KEYS[1], 'MAXLEN', '=', ARGV[4], '*', 't', ARGV[2], 'd', ARGV[3])
local ms = split(id)
redis.call('XTRIM', KEYS[1], 'MINID', '=', tostring(ms - tonumber(ARGV[5])))
-- An idle stream's key goes away after twice the window; replay reasons about that below.
redis.call('PEXPIRE', KEYS[1], 2 * tonumber(ARGV[5]))
redis.call('PUBLISH', ARGV[1], '{"stream":' .. cjson.encode(ARGV[6]) .. ',"offset":"' .. id .. '","type":"' .. ARGV[2] .. '","data":' .. ARGV[3] .. ',"ts":' .. ms .. '}')
return id
`;

// A volatile event (presence): delivered, never stored, so it cannot push real events out of the
// capped history. It still takes the id XADD would have given it, max(now-0, last-generated-id + 1),
// and XSETID moves the stream's last-generated-id there without an entry: PUBLISH and PUBLISH_MANY
// then go on above it, and REPLAY answers a resume from it with exactly the later entries.
// KEYS: stream, epoch. ARGV: channel, type, data (JSON), windowMs, stream name.
const PUBLISH_VOLATILE = `${COMMON}
epoch(KEYS[2])
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
redis.call('PUBLISH', ARGV[1], '{"stream":' .. cjson.encode(ARGV[5]) .. ',"offset":"' .. id .. '","type":"' .. ARGV[2] .. '","data":' .. ARGV[3] .. ',"ts":' .. ms .. '}')
return id
`;

// A fan-out's publish, for a chunk of streams: KEYS: epoch, then the streams. ARGV: type, data
// (JSON), maxEvents, windowMs, then each stream's channel and name. A stream gets the event only if
// it has a history (its key exists) or a listener (an instance subscribed to its channel): a home
// stream of a follower who is not online, and was not for twice the window, is not created. That
// keeps replay exact: a key only disappears after twice the window without a publish, so an offset
// it ever held is older than that, and REPLAY refuses it; and a key created again is refused below
// its first entry. Returns how many streams got the event.
const PUBLISH_MANY = `${COMMON}
epoch(KEYS[1])
local n = 0
for i = 2, #KEYS do
  local channel = ARGV[1 + 2 * i]
  if redis.call('EXISTS', KEYS[i]) == 1 or redis.call('PUBSUB', 'NUMSUB', channel)[2] > 0 then
    local id = redis.call('XADD', KEYS[i], 'MAXLEN', '=', ARGV[3], '*', 't', ARGV[1], 'd', ARGV[2])
    local ms = split(id)
    redis.call('XTRIM', KEYS[i], 'MINID', '=', tostring(ms - tonumber(ARGV[4])))
    redis.call('PEXPIRE', KEYS[i], 2 * tonumber(ARGV[4]))
    redis.call('PUBLISH', channel, '{"stream":' .. cjson.encode(ARGV[2 + 2 * i]) .. ',"offset":"' .. id .. '","type":"' .. ARGV[1] .. '","data":' .. ARGV[2] .. ',"ts":' .. ms .. '}')
    n = n + 1
  end
end
return n
`;

// KEYS: stream, epoch. ARGV: since ('' for none), windowMs.
// Returns {recovered (0/1), head or '', entries}.
const REPLAY = `${COMMON}
local floor = epoch(KEYS[2])
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
if less(last, since) then return {0, head, {}} end
-- Before the oldest entry, with nothing ever trimmed: the key may have expired and been created
-- again, losing what came between. Only trimming proves the history reaches back to \`since\`.
if first ~= nil and less(since, first) and trimmed == '0-0' then return {0, head, {}} end
return {1, head, redis.call('XRANGE', KEYS[1], '(' .. since, '+')}
`;

export class RedisBus implements RealtimeBus {
  private handler: (env: Envelope) => void = () => {};
  private gapHandler: () => void = () => {};
  private readonly listening = new Set<string>();

  constructor(
    private readonly redis: Redis,
    /** A dedicated connection: a subscribed Redis connection can do nothing else. */
    private readonly sub: Redis,
    private readonly opts: RedisBusOptions,
  ) {
    redis.defineCommand('strobePublish', { numberOfKeys: 2, lua: PUBLISH });
    redis.defineCommand('strobePublishVolatile', { numberOfKeys: 2, lua: PUBLISH_VOLATILE });
    redis.defineCommand('strobeReplay', { numberOfKeys: 2, lua: REPLAY });
    redis.defineCommand('strobePublishMany', { lua: PUBLISH_MANY });
    sub.on('message', (_channel: string, message: string) => {
      let env: Envelope;
      try {
        env = JSON.parse(message) as Envelope;
      } catch {
        return;
      }
      if (this.listening.has(env.stream)) this.handler(env);
    });
    // `open` waited for the first ready: each one after it is a reconnect, and what was published
    // while the subscriber was away never reached it.
    sub.on('ready', () => void this.resubscribed());
  }

  private async resubscribed(): Promise<void> {
    const channels = [...this.listening].map((s) => this.channel(s));
    try {
      // ioredis re-subscribes by itself too; waiting for it here means clients resume onto a live feed.
      if (channels.length) await this.sub.subscribe(...channels);
    } catch {
      return; // lost again: the next ready comes back here
    }
    this.gapHandler();
  }

  static async open(redis: Redis, sub: Redis, opts: RedisBusOptions): Promise<RedisBus> {
    await Promise.all([ready(redis), ready(sub)]);
    return new RedisBus(redis, sub, opts);
  }

  private key(stream: string): string {
    return `${this.opts.prefix}rt:s:${stream}`;
  }

  private channel(stream: string): string {
    return `${this.opts.prefix}rt:c:${stream}`;
  }

  private get epochKey(): string {
    return `${this.opts.prefix}rt:epoch`;
  }

  private args(stream: string, type: string, data: unknown): (string | number)[] {
    return [this.key(stream), this.epochKey, this.channel(stream), type, JSON.stringify(data), this.opts.maxEvents, this.opts.windowMs, stream];
  }

  async publish<T extends EventType>(stream: string, type: T, data: EventData[T], opts: PublishOptions = {}): Promise<Envelope<T>> {
    const scripts = this.redis as unknown as Scripts;
    const offset = (await (opts.volatile
      ? scripts.strobePublishVolatile(this.key(stream), this.epochKey, this.channel(stream), type, JSON.stringify(data), this.opts.windowMs, stream)
      : scripts.strobePublish(...this.args(stream, type, data)))) as string;
    return { stream, offset, type, data, ts: Number(offset.slice(0, offset.indexOf('-'))) };
  }

  async publishMany<T extends EventType>(streams: readonly string[], type: T, data: EventData[T]): Promise<void> {
    const json = JSON.stringify(data);
    // One script per 500 streams (it holds Redis for a few milliseconds at most), ten per round trip;
    // the event is serialized and sent once per script, not once per stream.
    for (let i = 0; i < streams.length; i += 5_000) {
      const pipeline = this.redis.pipeline() as unknown as Scripts & { exec(): Promise<[Error | null, unknown][] | null> };
      for (let j = i; j < Math.min(streams.length, i + 5_000); j += 500) {
        const chunk = streams.slice(j, j + 500);
        const perStream = chunk.flatMap((stream) => [this.channel(stream), stream]);
        pipeline.strobePublishMany(chunk.length + 1, this.epochKey, ...chunk.map((stream) => this.key(stream)), type, json, this.opts.maxEvents, this.opts.windowMs, ...perStream);
      }
      const results = await pipeline.exec();
      const failed = results?.find(([err]) => err);
      if (failed) throw failed[0];
    }
  }

  async listen(stream: string): Promise<void> {
    this.listening.add(stream);
    await this.sub.subscribe(this.channel(stream));
  }

  async unlisten(stream: string): Promise<void> {
    this.listening.delete(stream);
    await this.sub.unsubscribe(this.channel(stream));
  }

  onEvent(handler: (env: Envelope) => void): void {
    this.handler = handler;
  }

  onGap(handler: () => void): void {
    this.gapHandler = handler;
  }

  async replay(stream: string, since: string | undefined): Promise<Replay> {
    const [recovered, head, entries] = (await (this.redis as unknown as Scripts).strobeReplay(
      this.key(stream),
      this.epochKey,
      since ?? '',
      this.opts.windowMs,
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
    this.sub.disconnect();
    this.redis.disconnect();
  }
}

interface Scripts {
  strobePublish(...args: (string | number)[]): Promise<unknown>;
  strobePublishVolatile(...args: (string | number)[]): Promise<unknown>;
  strobeReplay(...args: (string | number)[]): Promise<unknown>;
  strobePublishMany(...args: (string | number)[]): Promise<unknown>;
}

// Embedded realtime bus: one process, so "publish" is "append to the stream's history and hand it to
// the hub". History is bounded by a time window and a count per stream; what falls off raises the
// stream's floor, below which a resume is refused rather than served partially.
import type { PublishManyOptions, PublishOptions, Replay, RealtimeBus } from '../../ports/bus.js';
import type { Envelope, EventData, EventType } from '../../shared/realtime.js';
import { compareOffsets, maxOffset, OffsetClock } from '../../realtime/offsets.js';

interface StreamLog {
  events: Envelope[];
  /** Every event at or below this offset may be gone. */
  floor: string;
  head: string | undefined;
  /** Dedupe keys of the events published with one (publishMany), and when: kept for the window. */
  deduped: Map<string, number>;
}

export interface MemoryBusOptions {
  windowMs: number;
  maxEvents: number;
  now?: () => number;
}

export class MemoryBus implements RealtimeBus {
  private readonly logs = new Map<string, StreamLog>();
  private readonly listening = new Set<string>();
  private readonly clock: OffsetClock;
  private readonly now: () => number;
  /** History from before this process started is gone. */
  private readonly epoch: string;
  /** Highest head of any stream whose (expired) log was dropped from memory. */
  private forgotten = '0-0';
  private handler: (env: Envelope) => void = () => {};
  private readonly sweeper: NodeJS.Timeout;

  constructor(private readonly opts: MemoryBusOptions) {
    this.now = opts.now ?? Date.now;
    this.clock = new OffsetClock(this.now);
    this.epoch = this.clock.next();
    this.sweeper = setInterval(() => this.sweep(), Math.min(opts.windowMs, 60_000));
    this.sweeper.unref();
  }

  async publish<T extends EventType>(stream: string, type: T, data: EventData[T], opts: PublishOptions = {}): Promise<Envelope<T>> {
    // One clock for every stream: a volatile offset sits between the durable ones around it, so a
    // resume from it filters the log exactly, without the event being in it.
    const env: Envelope<T> = { stream, offset: this.clock.next(), type, data, ts: this.now() };
    if (!opts.volatile) {
      const log = this.log(stream);
      log.events.push(env);
      log.head = env.offset;
      this.trim(log);
    }
    // Delivered after the caller's current step, in publish order, as a remote bus would.
    if (this.listening.has(stream)) queueMicrotask(() => this.handler(env));
    return env;
  }

  async publishMany<T extends EventType>(streams: readonly string[], type: T, data: EventData[T], opts: PublishManyOptions = {}): Promise<void> {
    const key = opts.dedupeKey;
    for (const stream of new Set(streams)) {
      if (key !== undefined) {
        const log = this.log(stream);
        this.trim(log);
        if (log.deduped.has(key)) continue;
        log.deduped.set(key, this.now());
      }
      await this.publish(stream, type, data);
    }
  }

  async listen(stream: string): Promise<void> {
    this.listening.add(stream);
  }

  async unlisten(stream: string): Promise<void> {
    this.listening.delete(stream);
  }

  onEvent(handler: (env: Envelope) => void): void {
    this.handler = handler;
  }

  async replay(stream: string, since: string | undefined): Promise<Replay> {
    const log = this.logs.get(stream);
    if (log) this.trim(log);
    const head = log?.head;
    if (since === undefined) return { recovered: false, events: [], head };
    const floor = log?.floor ?? maxOffset(this.epoch, this.forgotten);
    // A `since` from the future (another process's clock, a wiped data dir) cannot be trusted either.
    if (compareOffsets(since, floor) < 0 || compareOffsets(since, this.clock.current()) > 0) {
      return { recovered: false, events: [], head };
    }
    const events = log ? log.events.filter((e) => compareOffsets(e.offset, since) > 0) : [];
    return { recovered: true, events, head };
  }

  async close(): Promise<void> {
    clearInterval(this.sweeper);
    this.listening.clear();
  }

  private log(stream: string): StreamLog {
    let log = this.logs.get(stream);
    if (!log) {
      log = { events: [], floor: maxOffset(this.epoch, this.forgotten), head: undefined, deduped: new Map() };
      this.logs.set(stream, log);
    }
    return log;
  }

  private trim(log: StreamLog): void {
    const oldest = this.now() - this.opts.windowMs;
    // In insertion order, so oldest first.
    for (const [key, at] of log.deduped) {
      if (at >= oldest) break;
      log.deduped.delete(key);
    }
    let drop = 0;
    while (
      drop < log.events.length &&
      (log.events.length - drop > this.opts.maxEvents || log.events[drop]!.ts < oldest)
    ) {
      drop += 1;
    }
    if (drop === 0) return;
    log.floor = maxOffset(log.floor, log.events[drop - 1]!.offset);
    log.events.splice(0, drop);
  }

  /** Drops logs whose every event has expired, so idle streams cost nothing. */
  private sweep(): void {
    for (const [stream, log] of this.logs) {
      this.trim(log);
      if (log.events.length > 0 || log.deduped.size > 0 || this.listening.has(stream)) continue;
      if (log.head) this.forgotten = maxOffset(this.forgotten, log.head);
      this.logs.delete(stream);
    }
  }
}

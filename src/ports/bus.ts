// The realtime bus: publishes events on named streams, assigns each its offset atomically with the
// publish, keeps a bounded replay history per stream, and delivers to the instances that listen.
// The in-process bus serves embedded mode; the Redis bus serves a cluster. Everything above it
// (per-socket subscriptions, replay merging, slow clients) is shared: see realtime/hub.ts.
import type { Envelope, EventData, EventType } from '../shared/realtime.js';

export interface Replay {
  /** True when `events` holds every event after `since`; false when some may be gone. */
  recovered: boolean;
  events: Envelope[];
  /** The stream's newest offset, if it has any history. */
  head: string | undefined;
}

export interface PublishOptions {
  /**
   * Delivered live but never kept in the replay history (presence notices, as Centrifugo treats
   * join/leave): a flood of them cannot push real events out of the capped history. It still takes
   * the stream's next offset, above everything before it and below everything after, so a client
   * that resumes from it is replayed exactly the durable events that followed.
   */
  volatile?: boolean;
}

export interface PublishManyOptions {
  /**
   * Names the event across re-runs of the job that publishes it (a fan-out retried after a crash):
   * a stream that got an event with this key within the replay window does not get it again. The
   * check and the publish are one atomic step, so a job killed between publishing and recording
   * that it did still delivers each stream's event once.
   */
  dedupeKey?: string;
}

export interface RealtimeBus {
  publish<T extends EventType>(stream: string, type: T, data: EventData[T], opts?: PublishOptions): Promise<Envelope<T>>;
  /** The same event on many streams (a fan-out), in as few round trips as the backend allows. */
  publishMany<T extends EventType>(streams: readonly string[], type: T, data: EventData[T], opts?: PublishManyOptions): Promise<void>;
  /** Starts delivering the stream's events to the handler; resolves once delivery is guaranteed. */
  listen(stream: string): Promise<void>;
  unlisten(stream: string): Promise<void>;
  /** One handler per process: the hub. */
  onEvent(handler: (env: Envelope) => void): void;
  /**
   * Called when live delivery may have skipped events: the bus's connection came back after a
   * loss. Every client must then resume from its last offset (a bus that cannot lose live events,
   * like the in-process one, never calls it).
   */
  onGap?(handler: () => void): void;
  /** Events after `since`, or `recovered: false` when the history no longer reaches back to it. */
  replay(stream: string, since: string | undefined): Promise<Replay>;
  close(): Promise<void>;
}

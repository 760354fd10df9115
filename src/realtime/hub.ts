// The hub joins sockets to bus streams. It owns what every bus shares:
// - reference counting: the bus listens to a stream while at least one local socket watches it;
// - resume: replay from `since`, merged with events that race the subscription (including those
//   the live feed delivers after the replay read them), so a socket never gets an offset twice and
//   never misses one;
// - fan-out: each event is encoded once per instance (a Socket.IO room broadcast), whatever the
//   number of receivers;
// - back-pressure: a socket whose send queue passes a cap is cut off, and resumes with `since`;
//   replies and replays count toward the cap like live events, since a client that asks for
//   replays and never reads would otherwise make us buffer them without bound.
// - hiding: an event whose author the socket's viewer must not see (a block either way, a suspension)
//   never reaches that socket, live or replayed (see authorOf and `hide`).
// It also lets in-process listeners (taps) watch a stream, since it is the bus's one handler.
import type { Replay, RealtimeBus } from '../ports/bus.js';
import type { Envelope, EventData } from '../shared/realtime.js';
import { compareOffsets } from './offsets.js';
import type { AppServer, AppSocket } from './types.js';

export interface HubOptions {
  /** Packets queued for one socket before it counts as too slow. */
  maxQueuedPackets: number;
  /** Bytes buffered in one socket's WebSocket before it counts as too slow. */
  maxBufferedBytes: number;
  onSlowClient?: (socket: AppSocket) => void;
  /** A subscribe found the bus failing (Redis unreachable, or resubscribing after it came back). */
  onBusFailure?: (socket: AppSocket, err: unknown) => void;
  /** Every event sent: to `sockets` receivers; `live` unless replayed or held during a subscribe. */
  onDelivered?: (env: Envelope, sockets: number, live: boolean) => void;
  /** Whether this user's events are hidden from everyone but themselves (suspended). Asked per event: keep it cheap. */
  hiddenFromAll?: (userId: string) => boolean;
}

/**
 * Whose content an event shows, for hiding it from the viewers who must not see them; undefined
 * for events that show nobody's (deletions, counts), which reach everyone.
 */
export function authorOf(env: Envelope): string | undefined {
  switch (env.type) {
    case 'photo.ready':
      return (env.data as EventData['photo.ready']).photo.owner.id;
    case 'comment.created':
      return (env.data as EventData['comment.created']).comment.user.id;
    case 'chat.message':
    case 'dm.message':
      return (env.data as EventData['chat.message']).user.id;
    case 'presence.joined':
    case 'presence.left':
      return (env.data as EventData['presence.joined']).user.id;
    case 'notification': {
      // A moderator's word about one's own content is not the moderator's content.
      const n = env.data as EventData['notification'];
      return n.type === 'moderation' ? undefined : n.actor?.id;
    }
    default:
      return undefined;
  }
}

/**
 * The room of the sockets whose viewer must not see this user's events (a block, either way). Only
 * sockets with someone to hide join one, so an author nobody here hides has no room, and live
 * delivery of their events costs one Map lookup more than a plain broadcast.
 */
export function hiddenRoom(userId: string): string {
  return `hide:${userId}`;
}
const HIDDEN_PREFIX = 'hide:';

/**
 * Each collection exists only while it holds something: a Map or Set costs 150–190 bytes even
 * empty, and an idle per-user stream (`home:<id>`, `user:<id>`, one socket each) needs only one.
 */
interface Entry {
  /** The name clients use for this bus stream (`home` for `home:42`). */
  publicName: string;
  room: string;
  listening: Promise<void>;
  live?: Set<AppSocket>;
  /** Sockets between `subscribe` and its reply: live events wait here to be merged with the replay. */
  pending?: Map<AppSocket, Envelope[]>;
  /**
   * Sockets past their reply that are not in the room yet, with the newest offset they were sent.
   * The replay is read on another connection than the live feed, so live events it already held
   * can still be on their way: until the feed passes that offset, these sockets get events one by
   * one, minus what they already have; then they join the room.
   */
  catchingUp?: Map<AppSocket, string | undefined>;
  /** In-process listeners: they keep the stream listened to like a socket does. */
  taps?: Set<(env: Envelope) => void>;
}

/** Removes `key` from one of the entry's collections, and drops the collection once it is empty. */
function remove(entry: Entry, field: 'live' | 'pending' | 'catchingUp' | 'taps', key: unknown): boolean {
  const collection = entry[field] as { delete(key: unknown): boolean; size: number } | undefined;
  if (!collection?.delete(key)) return false;
  if (collection.size === 0) entry[field] = undefined;
  return true;
}

/** The parts of Engine.IO's socket that say how much waits to be sent. */
interface EngineConn {
  writeBuffer?: { data?: string | { byteLength: number } }[];
  transport?: { socket?: { bufferedAmount?: number; readyState?: number } };
}

export type SubscribeResult = Pick<Replay, 'recovered' | 'head'> & { missed: Envelope[] };

export class Hub {
  private readonly entries = new Map<string, Entry>();

  constructor(
    private readonly io: AppServer,
    private readonly bus: RealtimeBus,
    private readonly opts: HubOptions,
  ) {
    bus.onEvent((env) => this.deliver(env));
    bus.onGap?.(() => this.resumeAll());
  }

  /** Streams with at least one local socket subscribed (for stats); taps do not count. */
  get streamCount(): number {
    let n = 0;
    for (const e of this.entries.values()) if (e.live || e.pending || e.catchingUp) n++;
    return n;
  }

  /**
   * Subscribes the socket and calls `reply` with the replay. Live events that arrive meanwhile are
   * sent right after the reply, minus those the replay already holds.
   */
  async subscribe(
    socket: AppSocket,
    stream: { publicName: string; busName: string },
    since: string | undefined,
    reply: (res: SubscribeResult) => void,
  ): Promise<boolean> {
    this.unsubscribe(socket, stream.publicName);
    const entry = this.entry(stream.busName, stream.publicName);
    const buffer: Envelope[] = [];
    (entry.pending ??= new Map()).set(socket, buffer);
    socket.data.streams.set(stream.publicName, stream.busName);
    let replay: Replay;
    try {
      await entry.listening;
      replay = await this.bus.replay(stream.busName, since);
    } catch (err) {
      this.unsubscribe(socket, stream.publicName);
      // An error answer would leave the client with a stream it believes failed for good. The bus
      // is down or recovering (a Redis restart): the client reconnects and resumes, as after a lost
      // instance, by which time the bus works again or the load balancer sends it elsewhere.
      this.opts.onBusFailure?.(socket, err);
      this.dropTransport(socket);
      return false;
    }
    // The socket may have left, or re-subscribed, while we waited.
    if (entry.pending?.get(socket) !== buffer || !socket.connected) return false;
    // What the viewer must not see is left out; the client still resumes past it (`head`).
    const missed = replay.events.filter((e) => !this.hides(socket, e)).map((e) => this.outward(e, entry));
    reply({ recovered: replay.recovered, missed, head: replay.head });
    for (const env of missed) this.opts.onDelivered?.(env, 1, false);
    if (this.enforceBacklog(socket)) return false;
    // Volatile events are not in the replay: one that `last` passes is skipped, and the client's
    // refetch after this reply shows its effect (it was published before the reply was sent).
    let last = replay.events.at(-1)?.offset ?? (replay.recovered ? since : replay.head);
    for (const env of buffer) {
      if (last !== undefined && compareOffsets(env.offset, last) <= 0) continue;
      last = env.offset;
      if (this.hides(socket, env)) continue;
      socket.emit('event', this.outward(env, entry));
      this.opts.onDelivered?.(env, 1, false);
    }
    if (buffer.length > 0 && this.enforceBacklog(socket)) return false;
    remove(entry, 'pending', socket);
    (entry.catchingUp ??= new Map()).set(socket, last);
    return true;
  }

  /** Returns false when the socket was not subscribed. */
  unsubscribe(socket: AppSocket, publicName: string): boolean {
    const busName = socket.data.streams.get(publicName);
    if (busName === undefined) return false;
    socket.data.streams.delete(publicName);
    const entry = this.entries.get(busName);
    if (!entry) return true;
    remove(entry, 'pending', socket);
    remove(entry, 'catchingUp', socket);
    if (remove(entry, 'live', socket)) void socket.leave(entry.room);
    this.release(busName, entry);
    return true;
  }

  /**
   * Calls `handler` with every event of a bus stream, for in-process listeners (the admin page's
   * directory of instances on `system`). Resolves once delivery is guaranteed, with the way out.
   */
  async tap(busName: string, handler: (env: Envelope) => void): Promise<() => void> {
    const entry = this.entry(busName, busName);
    (entry.taps ??= new Set()).add(handler);
    const untap = () => {
      remove(entry, 'taps', handler);
      this.release(busName, entry);
    };
    try {
      await entry.listening;
    } catch (err) {
      untap();
      throw err;
    }
    return untap;
  }

  /**
   * Sets whose events this socket's viewer must not see (everyone they blocked or who blocked them;
   * suspended users are hidden from all through `hiddenFromAll`): the socket joins those users'
   * hidden rooms and leaves the others. Live delivery skips the room; replays check it per socket.
   */
  hide(socket: AppSocket, userIds: readonly string[]): void {
    const wanted = new Set(userIds.map(hiddenRoom));
    const stale = [...socket.rooms].filter((room) => room.startsWith(HIDDEN_PREFIX) && !wanted.delete(room));
    for (const room of stale) void socket.leave(room);
    if (wanted.size > 0) void socket.join([...wanted]);
  }

  /** Whether the event shows someone this socket's viewer must not see. */
  private hides(socket: AppSocket, env: Envelope): boolean {
    const author = authorOf(env);
    if (author === undefined) return false;
    if (socket.rooms.has(hiddenRoom(author))) return true;
    return this.opts.hiddenFromAll?.(author) === true && socket.data.viewer?.id !== author;
  }

  /** Stops listening to a stream nobody watches any more. */
  private release(busName: string, entry: Entry): void {
    if (this.entries.get(busName) !== entry || entry.live || entry.pending || entry.catchingUp || entry.taps) return;
    this.entries.delete(busName);
    void this.bus.unlisten(busName).catch(() => {});
  }

  /** Unsubscribes everything; returns the public names the socket had. */
  removeSocket(socket: AppSocket): string[] {
    const names = [...socket.data.streams.keys()];
    for (const name of names) this.unsubscribe(socket, name);
    return names;
  }

  private entry(busName: string, publicName: string): Entry {
    let entry = this.entries.get(busName);
    if (!entry) {
      // Every field in the literal, so the collections added later live in the object itself.
      entry = { publicName, room: `rt:${busName}`, listening: this.bus.listen(busName), live: undefined, pending: undefined, catchingUp: undefined, taps: undefined };
      // A failed listen must not leave a poisoned entry behind for the next subscriber.
      const failed = entry;
      entry.listening.catch(() => {
        if (this.entries.get(busName) === failed) this.entries.delete(busName);
      });
      this.entries.set(busName, entry);
    }
    return entry;
  }

  private deliver(env: Envelope): void {
    const entry = this.entries.get(env.stream);
    if (!entry) return;
    for (const tap of entry.taps ?? []) {
      try {
        tap(env);
      } catch {
        // A tap's bug must not stop delivery to the sockets.
      }
    }
    for (const [socket, buffer] of entry.pending ?? []) {
      buffer.push(env);
      if (buffer.length > this.opts.maxQueuedPackets) this.cutOff(socket, entry);
    }
    for (const socket of entry.live ?? []) if (this.isSlow(socket)) this.cutOff(socket, entry);
    const out = this.outward(env, entry);
    let receivers = entry.live ? this.broadcast(entry, entry.live, env, out) : 0;
    for (const [socket, sent] of entry.catchingUp ?? []) {
      // In its replay already; or volatile, published before the reply, and the client's refetch covers it.
      if (sent !== undefined && compareOffsets(env.offset, sent) <= 0) continue;
      // The feed is past what the socket was sent, and it keeps its order: from now on the room.
      if (!this.hides(socket, env)) {
        socket.emit('event', out);
        receivers++;
      }
      remove(entry, 'catchingUp', socket);
      (entry.live ??= new Set()).add(socket);
      void socket.join(entry.room);
    }
    if (receivers > 0) this.opts.onDelivered?.(env, receivers, true);
  }

  /**
   * The room holds exactly the live sockets: one broadcast reaches them all, encoded once, minus the
   * sockets in the author's hidden room. Returns how many it reached.
   */
  private broadcast(entry: Entry, live: Set<AppSocket>, env: Envelope, out: Envelope): number {
    const author = authorOf(env);
    if (author === undefined) {
      this.io.to(entry.room).emit('event', out);
      return live.size;
    }
    if (this.opts.hiddenFromAll?.(author)) {
      // Suspended: nobody sees it but its author (who is signed out, so normally nobody at all).
      let n = 0;
      for (const socket of live) {
        if (socket.data.viewer?.id !== author) continue;
        socket.emit('event', out);
        n++;
      }
      return n;
    }
    const room = hiddenRoom(author);
    const hiding = this.io.sockets.adapter.rooms.get(room);
    if (!hiding) {
      this.io.to(entry.room).emit('event', out);
      return live.size;
    }
    this.io.to(entry.room).except(room).emit('event', out);
    let skipped = 0;
    for (const id of hiding) {
      const socket = this.io.sockets.sockets.get(id);
      if (socket && live.has(socket)) skipped++;
    }
    return live.size - skipped;
  }

  private outward(env: Envelope, entry: Entry): Envelope {
    return env.stream === entry.publicName ? env : { ...env, stream: entry.publicName };
  }

  /**
   * Cuts the socket off, as a live event does a slow one, if what waits to be sent to it is past
   * the cap; for after a reply or a replay, where one packet can be megabytes, so the queue is
   * weighed in bytes. True when the socket is on its way out (cut off now or before): nothing more
   * should be sent to it.
   */
  enforceBacklog(socket: AppSocket): boolean {
    const ws = (socket.conn as unknown as EngineConn).transport?.socket;
    if (socket.conn.readyState !== 'open' || (ws?.readyState !== undefined && ws.readyState !== 1)) return true;
    if (!this.isSlow(socket, true)) return false;
    for (const busName of socket.data.streams.values()) {
      const entry = this.entries.get(busName);
      if (entry) this.detach(socket, entry);
    }
    this.opts.onSlowClient?.(socket);
    this.dropTransport(socket);
    return true;
  }

  /**
   * Live events are small and many, so counting the queued packets is enough and cheap for every
   * receiver; `weigh` also sums their bytes, for when one packet may be a whole replay.
   */
  private isSlow(socket: AppSocket, weigh = false): boolean {
    const conn = socket.conn as unknown as EngineConn;
    const queued = conn.writeBuffer ?? [];
    if (queued.length > this.opts.maxQueuedPackets) return true;
    let bytes = conn.transport?.socket?.bufferedAmount ?? 0;
    if (weigh) for (const packet of queued) bytes += typeof packet.data === 'string' ? packet.data.length : (packet.data?.byteLength ?? 0);
    return bytes > this.opts.maxBufferedBytes;
  }

  /**
   * Live delivery may have skipped events: every watching client reconnects and resumes from its
   * own last offset, which replays the gap, or says `recovered: false` when the history is gone.
   */
  private resumeAll(): void {
    const sockets = new Set<AppSocket>();
    for (const entry of this.entries.values()) {
      for (const socket of entry.live ?? []) sockets.add(socket);
      for (const socket of entry.pending?.keys() ?? []) sockets.add(socket);
      for (const socket of entry.catchingUp?.keys() ?? []) sockets.add(socket);
    }
    for (const socket of sockets) this.dropTransport(socket);
  }

  /**
   * Drops the connection as a lost transport (not a server disconnect), so the client reconnects
   * by itself and resumes from its last offset instead of us buffering for it without bound.
   */
  private cutOff(socket: AppSocket, entry: Entry): void {
    this.detach(socket, entry);
    this.opts.onSlowClient?.(socket);
    this.dropTransport(socket);
  }

  /** Stops sending the stream to a socket being dropped; its disconnect unsubscribes it for good. */
  private detach(socket: AppSocket, entry: Entry): void {
    remove(entry, 'live', socket);
    remove(entry, 'pending', socket);
    remove(entry, 'catchingUp', socket);
    void socket.leave(entry.room);
  }

  /** A lost transport, not a server disconnect: socket.io-client reconnects by itself. */
  private dropTransport(socket: AppSocket): void {
    const ws = (socket.conn as unknown as { transport?: { socket?: { terminate?: () => void } } }).transport?.socket;
    if (ws?.terminate) ws.terminate();
    else socket.conn.close();
  }
}

// Whose content a viewer must not see: the users they blocked, those who blocked them, and whoever is
// suspended now (never the viewer themselves). Every read that lists content by its author filters
// it in SQL with this list, and realtime delivery asks it too, so it is asked on hot paths and kept
// per process:
// - blocks per viewer, in a bounded map: a viewer with nothing hidden costs no query after the first;
// - the suspended users, one small map for everyone (what signed-out readers are spared).
// Both are forgotten when the internal `user.blocks` / `user.suspended` events reach this process
// (app.ts taps the sessions stream), and trusted for TTL_MS at most in case one of them was lost; a
// suspension also ends by itself at its time, which every lookup checks.
import type { Db } from '../../ports/db.js';
import type { Envelope, EventData } from '../../shared/realtime.js';
import { blockedEitherWay, suspendedUsers } from './blocks.repo.js';

/** What the reads ask (the services take it as a dependency; tests may leave it out). */
export interface HiddenAuthors {
  /** The ids whose content `viewerId` must not see; for a signed-out reader (null), the suspended users. */
  hiddenFor(viewerId: string | null): Promise<readonly string[]>;
  /** Hidden from everyone but themselves right now (suspended). */
  isSuspended(userId: string): boolean;
}

/** Nobody hidden from anybody: for services built without a directory (some tests). */
export const NOBODY_HIDDEN: HiddenAuthors = { hiddenFor: async () => [], isSuspended: () => false };

/** How long a process trusts what it read, in case an event that should have made it forget was lost. */
export const TTL_MS = 30_000;
/** A user's hidden list holds at most this many blocks (both ways); MAX_BLOCKING bounds one direction. */
export const MAX_HIDDEN = 10_000;

export interface VisibilityOptions {
  db: Db;
  maxViewers?: number;
  ttlMs?: number;
  now?: () => number;
}

export class Visibility implements HiddenAuthors {
  private readonly db: Db;
  private readonly maxViewers: number;
  private readonly ttlMs: number;
  private readonly now: () => number;
  private readonly blocks = new Map<string, { ids: readonly string[]; at: number }>();
  /** Bumped by every forget: a lookup that started before one must not store what it read. */
  private generation = 0;

  /** User id -> when the suspension ends (ms; Infinity: indefinitely). */
  private suspended = new Map<string, number>();
  /** The ids of `suspended` whose suspension has not ended, rebuilt when one ends or the map changes. */
  private suspendedIds: readonly string[] = [];
  private suspendedExpiry = Infinity;
  private suspendedAt = -Infinity;
  private suspendedGeneration = 0;
  private suspendedLoad: Promise<void> | undefined;

  constructor(opts: VisibilityOptions) {
    this.db = opts.db;
    this.maxViewers = opts.maxViewers ?? 50_000;
    this.ttlMs = opts.ttlMs ?? TTL_MS;
    this.now = opts.now ?? Date.now;
  }

  /** Reads who is suspended now; call once at start so realtime delivery knows before the first event. */
  start(): Promise<void> {
    return this.loadSuspended();
  }

  async hiddenFor(viewerId: string | null): Promise<readonly string[]> {
    const suspended = await this.currentSuspended();
    if (viewerId === null) return suspended;
    const blocked = await this.blocksOf(viewerId);
    const self = this.isSuspended(viewerId);
    if (blocked.length === 0) return self ? suspended.filter((id) => id !== viewerId) : suspended;
    if (suspended.length === 0) return blocked;
    return [...new Set([...blocked, ...suspended])].filter((id) => id !== viewerId);
  }

  /** Whom the user blocked or was blocked by (suspensions aside). */
  async blocksOf(userId: string): Promise<readonly string[]> {
    const cached = this.blocks.get(userId);
    if (cached && cached.at > this.now() - this.ttlMs) return cached.ids;
    const generation = this.generation;
    const ids = await blockedEitherWay(this.db, userId, MAX_HIDDEN);
    if (generation === this.generation) {
      if (this.blocks.size >= this.maxViewers) this.blocks.clear();
      this.blocks.set(userId, { ids, at: this.now() });
    }
    return ids;
  }

  isSuspended(userId: string): boolean {
    this.refreshIfStale();
    const until = this.suspended.get(userId);
    return until !== undefined && until > this.now();
  }

  /** A block between the two began or ended (on any instance): forget both. */
  forgetBlocks(a: string, b: string): void {
    this.generation++;
    this.blocks.delete(a);
    this.blocks.delete(b);
  }

  /**
   * An event of the internal sessions stream. Returns the users whose blocks changed, so their
   * sockets can follow (see Realtime.refreshHidden); suspensions need nothing per socket.
   */
  handle(env: Envelope): string[] {
    if (env.type === 'user.blocks') {
      const { a, b } = env.data as EventData['user.blocks'];
      this.forgetBlocks(a, b);
      return [a, b];
    }
    if (env.type === 'user.suspended') this.suspensionChanged(env.data as EventData['user.suspended']);
    return [];
  }

  suspensionChanged({ userId, until, lifted }: EventData['user.suspended']): void {
    this.suspendedGeneration++;
    const next = new Map(this.suspended);
    if (lifted) next.delete(userId);
    else next.set(userId, until === null ? Infinity : Date.parse(until));
    this.setSuspended(next);
  }

  private async currentSuspended(): Promise<readonly string[]> {
    if (this.suspendedAt === -Infinity) await this.loadSuspended();
    else this.refreshIfStale();
    if (this.now() >= this.suspendedExpiry) this.setSuspended(this.suspended);
    return this.suspendedIds;
  }

  /** Stale answers are served while a fresh read runs: only the very first read waits for one. */
  private refreshIfStale(): void {
    if (this.suspendedAt <= this.now() - this.ttlMs && !this.suspendedLoad) void this.loadSuspended().catch(() => {});
  }

  private loadSuspended(): Promise<void> {
    this.suspendedLoad ??= (async () => {
      const generation = this.suspendedGeneration;
      try {
        const rows = await suspendedUsers(this.db);
        // An event during the read may be newer than what was read: keep the event's word, read again later.
        if (generation !== this.suspendedGeneration) return;
        this.setSuspended(new Map(rows.map((r) => [r.id, r.until_ms ?? Infinity])));
        this.suspendedAt = this.now();
      } finally {
        this.suspendedLoad = undefined;
      }
    })();
    return this.suspendedLoad;
  }

  private setSuspended(map: Map<string, number>): void {
    const now = this.now();
    let expiry = Infinity;
    for (const [id, until] of map) {
      if (until <= now) map.delete(id);
      else expiry = Math.min(expiry, until);
    }
    this.suspended = map;
    this.suspendedIds = [...map.keys()];
    this.suspendedExpiry = expiry;
  }
}

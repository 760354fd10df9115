// Who is in which chat room, across all instances. A user is present while at least one of their
// connections is in the room; the store tells the caller when that changes. What goes on the wire
// is rate limited per user and room (`announce`): someone flapping between present and absent, on
// one socket or on many instances, yields at most one notice per interval, and the last state is
// always announced in the end.

/** The least time between two presence notices for one user in one room. */
export const ANNOUNCE_INTERVAL_MS = 3_000;

/**
 * How long the last announcement is remembered. Past it, nothing is known and the next change is
 * announced whatever it is: that may repeat a notice, never lose one. Many intervals, so that a
 * retry due at the end of an interval still finds what it must compare with.
 */
export const ANNOUNCE_MEMORY_MS = 20 * ANNOUNCE_INTERVAL_MS;

/** `publish`: the caller must publish the new state now; `same`: it is what was announced last. */
/**
 * Who is in a room as the store keeps them: who they are, not what they look like. A profile can
 * change while they sit there, so lists are shown with the profiles read when they are asked for.
 */
export interface PresenceMember {
  id: string;
  username: string;
}

export type Announcement = 'publish' | 'same' | { retryInMs: number };

export interface PresenceStore {
  /** Returns true when this made the user present (their first connection in the room). */
  join(room: string, user: PresenceMember, connId: string): Promise<boolean>;
  /** Returns true when this made the user absent (their last connection left). */
  leave(room: string, userId: string, connId: string): Promise<boolean>;
  list(room: string): Promise<PresenceMember[]>;
  isPresent(room: string, userId: string): Promise<boolean>;
  /**
   * Decides, atomically for all instances, whether `present` goes on the wire now. `publish` records
   * it as announced at `now`; a state announced less than an interval ago says when to try again
   * (read the real state then, and announce that). The caller retries; until it does, the store
   * keeps a note so that another instance retries if this one dies first (see `onExpired`).
   */
  announce(room: string, user: PresenceMember, present: boolean, now: number): Promise<Announcement>;
  /**
   * Users whose presence may have changed without a live instance announcing it: their instance
   * died, so their connections expired, or it died holding back an announcement. The handler reads
   * the real state and announces it. In-process presence dies with its process and never calls it.
   */
  onExpired?(handler: (room: string, user: PresenceMember) => void): void;
  close?(): Promise<void>;
}

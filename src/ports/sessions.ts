// Sessions: embedded mode keeps them in the database, cluster mode in Redis. Either way they survive
// a restart of any instance.

export interface SessionRecord {
  userId: string;
  expiresAt: number;
}

export interface SessionStore {
  /** Stores a new session under the given (already secret) id. */
  create(sid: string, userId: string, ttlMs: number): Promise<void>;
  get(sid: string): Promise<SessionRecord | null>;
  /** True when a live session was there to destroy: only then has anyone to be told that it ended. */
  destroy(sid: string): Promise<boolean>;
  /** The ids of a user's live sessions, in no particular order. */
  listByUser(userId: string): Promise<string[]>;
  /**
   * Destroys every session of a user but `except` (a password change keeps the session it just
   * opened); returns the ids of the live sessions that ended.
   */
  destroyByUser(userId: string, except?: string): Promise<string[]>;
  close?(): Promise<void>;
}

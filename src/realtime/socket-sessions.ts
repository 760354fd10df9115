// A socket keeps the viewer of its handshake, so the rights it was opened with must not outlive the
// session or the role behind them. Sessions end on any instance (logout, re-login) and roles change
// in another process (`strobe admin`): the news travels on the internal `sessions` bus stream, and
// each instance ends or refreshes the sockets it holds. A password change, "sign out everywhere" or an
// account deletion ends all of a user's sessions at once (`user.sessions-ended`).
import type { PublicUser } from '../shared/api.js';
import type { Envelope, EventData } from '../shared/realtime.js';
import type { Hub } from './hub.js';
import type { AppServer, AppSocket } from './types.js';

/** Internal bus stream: sessions that ended, users whose rights or profile changed. No client may watch it. */
export const SESSIONS_STREAM = 'sessions';

/**
 * How often an instance looks for sockets whose session expired. A 30-day session may outlive its
 * expiry by 30 s; a short one (tests) by 1 s.
 */
export function sweepIntervalMs(sessionTtlMs: number): number {
  return Math.min(30_000, Math.max(1_000, Math.floor(sessionTtlMs / 10)));
}

export class SocketSessions {
  private sweeper: NodeJS.Timeout | undefined;

  constructor(
    private readonly io: AppServer,
    private readonly sweepMs: number,
  ) {}

  /** One timer per instance, not one per socket: a timer would cost every connection heap. */
  start(): void {
    this.sweeper ??= setInterval(() => this.sweep(Date.now()), this.sweepMs);
    this.sweeper.unref();
  }

  stop(): void {
    clearInterval(this.sweeper);
    this.sweeper = undefined;
  }

  /** An event of the `sessions` stream, from this instance or another. */
  handle(env: Envelope): void {
    if (env.type === 'session.ended') this.endSession((env.data as EventData['session.ended']).key);
    else if (env.type === 'user.changed') this.userChanged((env.data as EventData['user.changed']).userId);
    else if (env.type === 'user.sessions-ended') {
      const { userId, except } = env.data as EventData['user.sessions-ended'];
      this.endUserSessions(userId, except);
    } else if (env.type === 'user.profile') this.profileChanged((env.data as EventData['user.profile']).user);
  }

  /** What the user posts from an open socket (chat, presence) shows their new profile at once. */
  profileChanged(user: PublicUser): void {
    for (const socket of this.sockets()) {
      const viewer = socket.data.viewer;
      if (viewer?.id === user.id) socket.data.viewer = { ...viewer, displayName: user.displayName, bio: user.bio, avatar: user.avatar };
    }
  }

  /**
   * Disconnects every socket of the user that was not opened with the session `except`: one event for
   * all of a user's sessions, however many there were.
   */
  endUserSessions(userId: string, except: string | null): void {
    for (const socket of this.sockets()) {
      if (socket.data.viewer?.id === userId && socket.data.sessionKey !== except) socket.disconnect(true);
    }
  }

  /**
   * Disconnects the sockets opened with the session of this store key. A scan rather than a room per
   * session: a room costs every socket ~250 bytes, and only a session that existed gets here.
   */
  endSession(key: string): void {
    for (const socket of this.sockets()) if (socket.data.sessionKey === key) socket.disconnect(true);
  }

  /**
   * Drops the transports of the user's sockets rather than disconnecting them: socket.io-client then
   * reconnects by itself and its new handshake reads the user's current rights, and streams it may no
   * longer watch (`system`) are refused on resubscribe.
   */
  userChanged(userId: string): void {
    for (const socket of this.sockets()) if (socket.data.viewer?.id === userId) socket.conn.close();
  }

  /** Ends the sockets whose session expired by `now`, as a logout would. */
  sweep(now: number): void {
    for (const socket of this.sockets()) {
      const expiresAt = socket.data.sessionExpiresAt;
      if (expiresAt !== null && expiresAt <= now) socket.disconnect(true);
    }
  }

  private sockets(): IterableIterator<AppSocket> {
    return this.io.of('/').sockets.values();
  }
}

/**
 * Keeps each signed-in socket's hidden rooms (Hub.hide) in step with its viewer's blocks, which can
 * change on any instance: read at the handshake, before the socket can subscribe, and again for the
 * users a `user.blocks` event names (every instance hears it on the sessions stream).
 */
export class SocketHiding {
  /** Sockets in their handshake, not in the namespace yet: a block may land while theirs are read. */
  private readonly arriving = new Set<AppSocket>();
  /** The newest read per socket: an older one that resolves later must not overwrite it. */
  private readonly reads = new WeakMap<AppSocket, number>();

  constructor(
    private readonly io: AppServer,
    private readonly hub: Hub,
    private readonly blocksOf: (userId: string) => Promise<readonly string[]>,
  ) {}

  /** In the handshake: the socket hides whoever its viewer must not see before it can subscribe. */
  async arrive(socket: AppSocket): Promise<void> {
    const userId = socket.data.viewer?.id;
    if (userId === undefined) return;
    this.arriving.add(socket);
    try {
      await this.read(socket, userId);
    } finally {
      this.arriving.delete(socket);
    }
  }

  /** These users' blocks changed: their sockets here read them again. */
  refresh(userIds: readonly string[]): void {
    if (userIds.length === 0) return;
    for (const socket of [...this.io.of('/').sockets.values(), ...this.arriving]) {
      const userId = socket.data.viewer?.id;
      if (userId !== undefined && userIds.includes(userId)) void this.read(socket, userId).catch(() => {});
    }
  }

  private async read(socket: AppSocket, userId: string): Promise<void> {
    const n = (this.reads.get(socket) ?? 0) + 1;
    this.reads.set(socket, n);
    const ids = await this.blocksOf(userId);
    // A socket gone meanwhile must not join rooms: nothing would ever take it out of them.
    if (this.reads.get(socket) !== n || !(socket.connected || this.arriving.has(socket))) return;
    this.hub.hide(socket, ids);
  }
}

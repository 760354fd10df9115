import type { Server, Socket } from 'socket.io';
import type { Viewer } from '../features/accounts/viewer.js';
import type { ClientToServerEvents, ServerToClientEvents } from '../shared/realtime.js';

export interface SocketData {
  viewer: Viewer | null;
  /** The session this socket was opened with, so logging out can close it. */
  sessionKey: string | null;
  /** When that session expires (ms since epoch), so the sweep can end the socket with it. */
  sessionExpiresAt: number | null;
  /** Public stream name -> bus stream, for each stream this socket subscribed to. */
  streams: Map<string, string>;
  /**
   * The subscribe/unsubscribe rate limit's one number (GCRA's theoretical arrival time): when the
   * socket's budget will be whole again. Unset until its first request.
   */
  streamBudgetAt?: number;
}

export type AppServer = Server<ClientToServerEvents, ServerToClientEvents, Record<string, never>, SocketData>;
export type AppSocket = Socket<ClientToServerEvents, ServerToClientEvents, Record<string, never>, SocketData>;

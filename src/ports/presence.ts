// Who is in which chat room, across all instances. A user is present while at least one of their
// connections is in the room; the store tells the caller when that changes, so exactly one
// joined/left notice is published per change.
import type { PublicUser } from '../shared/api.js';

export interface PresenceStore {
  /** Returns true when this made the user present (their first connection in the room). */
  join(room: string, user: PublicUser, connId: string): Promise<boolean>;
  /** Returns true when this made the user absent (their last connection left). */
  leave(room: string, userId: string, connId: string): Promise<boolean>;
  list(room: string): Promise<PublicUser[]>;
  /**
   * Users who left because their instance died (their connections expired) are reported here, so
   * one `presence.left` is still published. In-process presence dies with its process and never calls it.
   */
  onExpired?(handler: (room: string, user: PublicUser) => void): void;
  close?(): Promise<void>;
}

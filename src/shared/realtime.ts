// The realtime contract: stream names, the event envelope and the acknowledgements.
// Shared by the server, the browser app and the tests.
import type { ChatMessage, Comment, Notification, Photo, ProfileCounts, PublicUser } from './api.js';
import type { DirectMessage, ModerationItem, ReportStatus } from './community.js';

/** Server -> client: every delivery is one `event` carrying this envelope. */
export interface Envelope<T extends EventType = EventType> {
  stream: string;
  /** Opaque, strictly increasing within a stream, the same on every instance. */
  offset: string;
  type: T;
  data: EventData[T];
  /** Publish time, ms since epoch. */
  ts: number;
}

/** Event type -> payload. */
export interface EventData {
  /** On latest, city:<slug>, tag:<tag>, profile:<username> and home: a photo became visible. */
  'photo.ready': { photo: Photo };
  /** On every stream that showed the photo. */
  'photo.deleted': { id: string };
  /** On photo:<id>. */
  'photo.liked': { id: string; likes: number };
  /** On photo:<id>: a comment was posted; `comments` is the photo's new count. */
  'comment.created': { comment: Comment; comments: number };
  /** On photo:<id>: a comment was deleted; `comments` is the photo's new count. */
  'comment.deleted': { id: string; photoId: string; comments: number };
  /** On profile:<username>, and on the user's own `user` stream: their display name, bio or avatar changed. */
  'profile.updated': { user: PublicUser };
  /** On the user's own `user` stream: the avatar they uploaded could not be used. */
  'avatar.failed': { reason: string };
  /** On profile:<username>. */
  'profile.counts': { username: string; counts: ProfileCounts };
  /** On the owner's user stream. */
  notification: Notification;
  /** On the owner's user stream: their upload finished (the photo, ready) or failed. */
  'photo.processed': { photo: Photo };
  'photo.failed': { id: string; reason: string };
  'chat.message': ChatMessage;
  /** On chat:<room>: a moderator removed a message. */
  'chat.deleted': { id: string; room: string };
  /** On dm:<conversationId>: a private message (only its two members may watch the stream). */
  'dm.message': DirectMessage;
  /** On dm:<conversationId>: a member's read marker moved. */
  'dm.read': { conversationId: string; userId: string; readUpTo: string };
  /** On the member's `user` stream: their unread count in a conversation, and in all of them, changed. */
  'dm.unread': { conversationId: string; unread: number; total: number };
  /**
   * On the `user` stream of both people: one blocked the other (or lifted it). Each client takes
   * the other's items off its open screens (or refetches them when lifted).
   */
  'block.changed': { userId: string; username: string; blocked: boolean };
  /** On `moderation` (staff only): a new report, or a new report of a target already in the queue. */
  'report.created': ModerationItem;
  /** On `moderation`: a report left the queue. */
  'report.resolved': { id: string; status: ReportStatus };
  'presence.joined': { user: PublicUser };
  'presence.left': { user: PublicUser };
  'instance.started': { instance: string };
  'instance.stopping': { instance: string };
  /** Every instance, every few seconds. */
  'instance.stats': InstanceStats;
  /** Internal, on the `sessions` stream (no client may watch it): every instance drops that session's sockets. */
  'session.ended': { key: string };
  /**
   * Internal, on the `sessions` stream: the user's rights changed (admin granted or revoked), so every
   * instance drops the transports of their sockets, which reconnect with the fresh rights.
   */
  'user.changed': { userId: string };
  /**
   * Internal, on the `sessions` stream: every session of the user ended but the one whose store key
   * is `except` (a password change, "sign out everywhere", an account deletion), so every instance
   * disconnects the user's sockets that were opened with any other session.
   */
  'user.sessions-ended': { userId: string; except: string | null };
  /**
   * Internal, on the `sessions` stream: the user's profile changed, so every instance refreshes it
   * on their sockets (what they post next shows it) and forgets the copy it keeps for feeds.
   */
  'user.profile': { user: PublicUser };
  /**
   * Internal, on the `sessions` stream: a block between `a` and `b` began or ended, so every
   * instance refreshes what those two users' sockets and reads may show.
   */
  'user.blocks': { a: string; b: string; blocked: boolean };
  /** Internal, on the `sessions` stream: a suspension began (`until`, null for indefinitely) or was lifted (`lifted`). */
  'user.suspended': { userId: string; until: string | null; lifted: boolean };
}
export type EventType = keyof EventData;

export type InstanceRole = 'web' | 'worker';

/** One instance's heartbeat on the `system` stream. */
export interface InstanceStats {
  instance: string;
  roles: InstanceRole[];
  mode: 'embedded' | 'cluster';
  uptimeS: number;
  /** Realtime connections open on this instance. */
  connections: number;
  memory: { rss: number; heapUsed: number };
  /** The 99th percentile of event-loop delay over the interval. */
  eventLoopLagMs: number;
  /** Since the previous beat. */
  intervalMs: number;
  /** Job attempts ended since the previous beat, per queue (workers): all of them, and the failed ones. */
  jobs: Record<string, { processed: number; failed: number }>;
}

export interface AckError {
  ok: false;
  error: { code: string; message: string };
}

export interface SubscribeRequest {
  stream: string;
  since?: string;
}
/**
 * `head` is the stream's newest offset when the subscription started (absent on an empty stream).
 * A client that has seen no event yet keeps it as its `since`, so even a quiet stream resumes.
 */
export type SubscribeAck =
  | { ok: true; recovered: boolean; missed: Envelope[]; head?: string }
  | AckError;

export interface ChatSendRequest {
  room: string;
  text: string;
  clientId: string;
}
export type ChatSendAck = { ok: true; message: ChatMessage } | AckError;
/** A private message, like `chat:send`: the same `clientId` again returns the first message. */
export interface DmSendRequest {
  conversationId: string;
  text: string;
  clientId: string;
}
export type DmSendAck = { ok: true; message: DirectMessage } | AckError;
export type SimpleAck = { ok: true } | AckError;

export interface ClientToServerEvents {
  subscribe: (req: SubscribeRequest, ack: (res: SubscribeAck) => void) => void;
  unsubscribe: (req: { stream: string }, ack: (res: SimpleAck) => void) => void;
  'chat:send': (req: ChatSendRequest, ack: (res: ChatSendAck) => void) => void;
  'dm:send': (req: DmSendRequest, ack: (res: DmSendAck) => void) => void;
}

export interface ServerToClientEvents {
  event: (env: Envelope) => void;
}

/** Compares two offsets (`<ms>-<seq>`, as Redis stream ids). Negative when a < b. */
export function compareOffsets(a: string, b: string): number {
  const [am, as] = splitOffset(a);
  const [bm, bs] = splitOffset(b);
  return am !== bm ? (am < bm ? -1 : 1) : as === bs ? 0 : as < bs ? -1 : 1;
}

function splitOffset(o: string): [number, number] {
  const dash = o.indexOf('-');
  return [Number(o.slice(0, dash)), Number(o.slice(dash + 1))];
}

export const OFFSET_PATTERN = /^\d{1,16}-\d{1,16}$/;

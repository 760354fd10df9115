// Shapes of the public contract (PRODUCT.md), shared by the server, the browser app and the tests.
// Types only: the browser bundle imports this file, so it must not import server code.
import type { InstanceStats } from './realtime.js';

/** A user's picture: square WebP URLs under /media, 64 px (`small`) and 256 px (`large`). */
export interface AvatarUrls {
  small: string;
  large: string;
}

/** A user as anyone may see them, the same wherever a user appears. */
export interface PublicUser {
  id: string;
  username: string;
  /** What to call them: their chosen name, or their username until they choose one. */
  displayName: string;
  /** Up to 300 characters, plain text; empty when they wrote none. */
  bio: string;
  avatar: AvatarUrls | null;
  isAdmin?: boolean;
  /** The signed-in user only (GET /api/me): holds the moderator role. */
  isModerator?: boolean;
}

export interface ApiErrorBody {
  error: { code: string; message: string };
}

export interface Page<T> {
  items: T[];
  next: string | null;
}

export interface ChatRoom {
  name: string;
  createdAt: string;
}

export type ChatKind = 'text' | 'action';

export interface ChatMessage {
  id: string;
  room: string;
  /** A deleted account's messages stay: its id, and DELETED_USERNAME for the username and display name. */
  user: PublicUser;
  text: string;
  kind: ChatKind;
  createdAt: string;
}

export type PhotoStatus = 'processing' | 'ready' | 'failed';

export interface CityRef {
  slug: string;
  name: string;
  /** ISO 3166-1 alpha-2, upper case. */
  country: string;
}

/** A city in lists and autocomplete, with how many ready photos it has. */
export interface City extends CityRef {
  photos: number;
}

export interface Photo {
  id: string;
  owner: PublicUser;
  caption: string;
  city: CityRef | null;
  status: PhotoStatus;
  /** After auto-orientation; null until the photo is ready. */
  width: number | null;
  height: number | null;
  /** URLs under /media; null until the photo is ready. */
  variants: { thumb: string; display: string } | null;
  /** A base64 thumbhash to paint while the image loads; null until ready. */
  placeholder: string | null;
  likes: number;
  /** How many comments it has. */
  comments: number;
  /** Does the viewer like it (false for anonymous viewers and in broadcast events). */
  liked: boolean;
  /** Why processing failed, shown to the owner; null otherwise. */
  failure: string | null;
  createdAt: string;
}

export interface ProfileCounts {
  photos: number;
  followers: number;
  following: number;
}

/** GET /api/users/:username */
export interface Profile {
  user: PublicUser;
  counts: ProfileCounts;
  /** Does the viewer follow them. */
  following: boolean;
  /** Upload milestones reached (1, 10, 100). */
  badges: number[];
  /** Does the viewer block them (PUT/DELETE /api/users/:username/block). */
  blocking: boolean;
}

export interface FollowResult {
  following: boolean;
  followers: number;
}

export interface LikeResult {
  likes: number;
  liked: boolean;
}

export type NotificationType = 'follow' | 'like' | 'photo.ready' | 'photo.failed' | 'badge' | 'comment' | 'mention' | 'export.ready' | 'message' | 'moderation' | 'webhook.disabled';

export interface Notification {
  id: string;
  type: NotificationType;
  /** Who followed or liked; null for system notifications. */
  actor: PublicUser | null;
  /** The photo liked, ready or failed; its thumb URL is null when it is not ready or gone. */
  photo: { id: string; thumb: string | null } | null;
  /** The milestone for `badge` (1, 10, 100). */
  badge: number | null;
  /** Why processing failed, for `photo.failed`. */
  reason: string | null;
  /** The comment, for `comment` and for `mention` in a comment (null for a mention in a caption). */
  comment: { id: string; text: string } | null;
  /** The data export, for `export.ready`: download it from `url` (signed in) until it expires. */
  export?: { id: string; url: string } | null;
  /** For `message`: the conversation a new private message is in (the actor wrote it). */
  conversation?: { id: string } | null;
  /** For `moderation`: what of theirs a moderator removed (the reason is `reason`). */
  removed?: { type: 'photo' | 'comment' | 'message' } | null;
  read: boolean;
  createdAt: string;
}

/** A comment on a photo (GET/POST /api/photos/:id/comments, `comment.created`). */
export interface Comment {
  id: string;
  photoId: string;
  user: PublicUser;
  text: string;
  createdAt: string;
}

/** GET /api/notifications: a page plus how many are unread. */
export interface NotificationPage extends Page<Notification> {
  unread: number;
}

/** A hashtag (NFC, lower case) and how many ready photos carry it. */
export interface Tag {
  name: string;
  photos: number;
}

/** GET /api/search?q=: at most 10 of each kind, each matching `q` as a prefix. */
export interface SearchResults {
  users: PublicUser[];
  tags: Tag[];
  cities: City[];
}

/** Limits the browser shows and the server enforces. */
export const LIMITS = {
  usernamePattern: '^[a-z0-9_]{3,30}$',
  passwordMin: 8,
  passwordMax: 200,
  roomPattern: '^[a-z0-9-]{1,40}$',
  chatTextMax: 1000,
  commentTextMax: 1000,
  displayNameMax: 50,
  bioMax: 300,
  clientIdMax: 100,
  pageMax: 100,
  captionMax: 500,
  uploadMaxBytes: 25 * 1024 * 1024,
  uploadMaxPixels: 60_000_000,
  citySlugPattern: '^[a-z0-9]+(-[a-z0-9]+)*$',
  /** Upload milestones that earn a badge. */
  badges: [1, 10, 100],
} as const;

/** GET /api/admin/overview: live instances, the job queues, and dead-lettered jobs. */
export interface AdminOverview {
  /** Instances heard from in the last 15 s (their latest heartbeat), not stopping. */
  instances: LiveInstance[];
  queues: QueueOverview[];
  /** Why the queues could not be read (the broker is down), or null. */
  queuesError: string | null;
  /** The oldest dead-lettered jobs of each queue that has some. */
  dead: DeadJobInfo[];
  /** The server's clock when it answered (ms since epoch), to read `seenAt` on another clock. */
  now: number;
}

export interface LiveInstance extends InstanceStats {
  /** When this heartbeat arrived (ms since epoch). */
  seenAt: number;
}

export interface QueueOverview {
  name: string;
  /** Jobs ready to run, waiting. */
  depth: number;
  consumers: number;
  dead: number;
  /** Job attempts per second across the live workers, from their last heartbeats. */
  ratePerS: number;
  /** Failed attempts per second, likewise. */
  failedPerS: number;
}

export interface DeadJobInfo {
  id: string;
  queue: string;
  error: string | null;
  attempts: number;
}

/** POST /api/admin/dead/:queue/retry */
export interface RetryDeadResult {
  queue: string;
  moved: number;
}

/** POST /api/me/export: a data export being built (`pending`), then `ready` at `url` until `expiresAt`. */
export interface AccountExport {
  id: string;
  status: 'pending' | 'ready' | 'failed';
  url: string;
  createdAt: string;
  expiresAt: string;
}

/**
 * The author of a chat message whose account was deleted: the message stays, with the account's id
 * and this in place of the username (no username can look like it).
 */
export const DELETED_USERNAME = '[deleted]';

// Shapes of the community features (issue 13): invites and roles, blocks, reports and moderation,
// and private messages. Types only (the browser imports this file), like api.ts.
import type { PublicUser } from './api.js';

/** REGISTRATION: who may create an account. */
export type RegistrationMode = 'open' | 'invite' | 'closed';

/** GET /api/instance: what anyone may know before signing in. */
export interface InstanceInfo {
  hasAdmin: boolean;
  registration: RegistrationMode;
}

/** A staff role; everyone else is a member. Admins can do everything moderators can. */
export type Role = 'admin' | 'moderator' | 'member';

/** POST/GET /api/admin/invites. `url` (with the token) is in the reply to POST only: it is stored hashed. */
export interface Invite {
  id: string;
  /** `${PUBLIC_URL or the request's origin}/register?invite=<token>`; null in lists. */
  url: string | null;
  /** Null: unlimited. */
  maxUses: number | null;
  uses: number;
  expiresAt: string | null;
  revokedAt: string | null;
  createdBy: PublicUser | null;
  createdAt: string;
  /** Usable now: not revoked, not expired, not used up. */
  active: boolean;
}

/** GET /api/admin/staff: who holds a role. */
export interface StaffMember {
  user: PublicUser;
  role: Exclude<Role, 'member'>;
  /** Made an admin by ADMIN_USERS (the API cannot change that). */
  byConfig: boolean;
}

/** GET /api/me/blocks */
export interface BlockedUser {
  user: PublicUser;
  createdAt: string;
}

export type ReportTargetType = 'photo' | 'comment' | 'message' | 'user';
export type ReportReason = 'spam' | 'harassment' | 'nudity' | 'violence' | 'illegal' | 'other';
export type ReportStatus = 'open' | 'dismissed' | 'removed' | 'suspended';

/** A report as its reporter sees it (POST /api/reports). */
export interface Report {
  id: string;
  target: { type: ReportTargetType; id: string };
  reason: ReportReason;
  note: string;
  status: ReportStatus;
  createdAt: string;
}

/** What was reported, as the moderators see it (it may be gone already). */
export interface ReportedContent {
  type: ReportTargetType;
  id: string;
  author: PublicUser | null;
  /** The photo's caption, the comment's or message's text, the user's bio. */
  text: string;
  /** A photo's thumb URL. */
  thumb: string | null;
  /** Where it lives: photo id for a comment, chat room for a message. */
  context: string | null;
  /** Removed or deleted since it was reported. */
  gone: boolean;
}

/** One entry of the moderation queue (GET /api/moderation/reports, `report.created`). */
export interface ModerationItem {
  report: Report & { reporter: PublicUser | null; resolvedBy: PublicUser | null; resolvedAt: string | null };
  content: ReportedContent;
  /** Earlier reports of the same target, newest first (at most 10). */
  earlier: Report[];
  /** Earlier actions on the same author, newest first (at most 10). */
  actions: ModerationAction[];
  /** The author is suspended now (`suspendedUntil` says until when; null with this true: indefinitely). */
  suspended: boolean;
  /** The author's suspension, if any: when it ends (null while not suspended, or suspended indefinitely). */
  suspendedUntil: string | null;
}

/** What a moderator's action did (dismiss, remove, suspend, lift). */
export interface ModerationResult {
  /** The audit log's new row; null when the action changed nothing (a repeat). */
  action: ModerationAction | null;
  /** The reports it took out of the queue (each also announced as `report.resolved`). */
  resolved: string[];
}

export type ModerationActionType = 'dismiss' | 'remove' | 'suspend' | 'unsuspend' | 'role';

/** The audit log (GET /api/moderation/actions): every action, who did it, on what. */
export interface ModerationAction {
  id: string;
  action: ModerationActionType;
  actor: PublicUser | null;
  target: { type: ReportTargetType; id: string } | null;
  targetUser: PublicUser | null;
  reportId: string | null;
  reason: string;
  /** For `suspend`: until when (null: indefinitely). For `role`: unused. */
  until: string | null;
  createdAt: string;
}

/** A private conversation between two users (POST/GET /api/conversations). */
export interface Conversation {
  id: string;
  /** The other member. */
  with: PublicUser;
  lastMessage: DirectMessage | null;
  /** Messages from the other member after the viewer's read marker. */
  unread: number;
  /** The other member's read marker: the newest message id they have read (null: none). */
  readUpTo: string | null;
  createdAt: string;
}

export interface DirectMessage {
  id: string;
  conversationId: string;
  user: PublicUser;
  text: string;
  kind: 'text' | 'action';
  createdAt: string;
}

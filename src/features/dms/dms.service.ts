// Private messages: conversations between two users, messages posted once per clientId, read
// markers that only move forward, and unread counts. Each new message publishes `dm.message` on
// dm:<id>, both members' counts as `dm.unread` on their `user` streams, and a `message`
// notification (a job) for the recipient.
//
// Who may do what, for a viewer V in a conversation with O:
// - V is not a member (or there is no such conversation): 404 NOT_FOUND; its existence is never told.
// - a block between V and O, either way: 403 BLOCKED, and the conversation leaves V's list and count.
// - O is suspended: 404 NOT_FOUND, left out of the list and count, until the suspension is lifted
//   (their messages are hidden from others like the rest of what they posted).
// - O's account is deleted: the thread stays readable, from "[deleted]"; a new message is 410 GONE.
import { AppError, errors } from '../../errors.js';
import { enqueue } from '../../jobs/outbox.js';
import type { RealtimeBus } from '../../ports/bus.js';
import type { Db } from '../../ports/db.js';
import { enforceRate, type RateLimiter } from '../../ports/rate-limit.js';
import { LIMITS } from '../../shared/api.js';
import type { Conversation, DirectMessage } from '../../shared/community.js';
import { isStorableId } from '../../shared/text.js';
import type { Viewer } from '../accounts/viewer.js';
import { blockedBetween } from '../blocks/blocks.repo.js';
import type { HiddenAuthors } from '../blocks/visibility.js';
import { parseChatText } from '../chat/chat.text.js';
import { publishOnce } from '../../realtime/published.js';
import {
  findByClientId,
  findConversation,
  findConversationRef,
  findRecipient,
  insertMessage,
  listConversations,
  listMessages,
  memberState,
  moveMarker,
  openConversation,
  otherMember,
  unreadIn,
  unreadTotal,
  type ConversationCursor,
} from './dms.repo.js';

export const DM_LIMITS = {
  /** Like chat: a burst of typing is fine, a flood is not. */
  messagesPerUser: { limit: 20, windowMs: 10_000 },
  /** Opening (or finding) conversations: the "Message" button on profiles. */
  opensPerUser: { limit: 30, windowMs: 10 * 60_000 },
  /** Read markers: an open thread marks each new message read as it arrives. */
  readsPerUser: { limit: 120, windowMs: 60_000 },
} as const;

export const dmStream = (conversationId: string): string => `dm:${conversationId}`;

export interface DmsDeps {
  db: Db;
  bus: RealtimeBus;
  limiter: RateLimiter;
  /** Whose conversations each viewer must not see: blocks either way, suspensions. */
  hidden: HiddenAuthors;
}

/** What a member may do with a conversation they are in. */
interface Membership {
  id: string;
  otherId: string;
}

export class DmsService {
  constructor(private readonly deps: DmsDeps) {}

  /** The pair's conversation: `created` when this call made it. */
  async open(viewer: Viewer, username: unknown): Promise<{ conversation: Conversation; created: boolean }> {
    if (typeof username !== 'string' || !new RegExp(LIMITS.usernamePattern).test(username)) {
      throw errors.notFound(`The user "${String(username).slice(0, 40)}"`);
    }
    if (username === viewer.username) throw new AppError('SELF_MESSAGE', 400, 'You cannot message yourself.');
    await enforceRate(this.deps.limiter, `dms:open:${viewer.id}`, DM_LIMITS.opensPerUser);
    const other = await findRecipient(this.deps.db, username);
    // A suspended user is hidden from everyone: as if they were not there.
    if (!other || other.suspended) throw errors.notFound(`The user "${username}"`);
    if (other.id === viewer.id) throw new AppError('SELF_MESSAGE', 400, 'You cannot message yourself.');
    if (await blockedBetween(this.deps.db, viewer.id, other.id)) throw errors.blocked('You cannot message someone you blocked or who blocked you.');
    const { id, created } = await openConversation(this.deps.db, viewer.id, other.id);
    const conversation = await findConversation(this.deps.db, viewer.id, id);
    if (!conversation) throw new Error('conversation vanished after it was opened');
    return { conversation, created };
  }

  /** The viewer's conversations with messages, unread first; and their unread total. */
  async list(viewer: Viewer, before: ConversationCursor | undefined, limit: number) {
    const hidden = await this.deps.hidden.hiddenFor(viewer.id);
    const [rows, unread] = await Promise.all([
      listConversations(this.deps.db, viewer.id, before, limit, hidden),
      unreadTotal(this.deps.db, viewer.id, hidden),
    ]);
    return { rows, unread };
  }

  async get(viewer: Viewer, id: string): Promise<Conversation> {
    await this.member(viewer, id);
    const conversation = await findConversation(this.deps.db, viewer.id, id);
    if (!conversation) throw notFound();
    return conversation;
  }

  /** Newest first, like chat history. */
  async history(viewer: Viewer, id: string, beforeId: string | undefined, limit: number): Promise<DirectMessage[]> {
    await this.member(viewer, id);
    return listMessages(this.deps.db, id, beforeId, limit);
  }

  /**
   * Posts a message once per (user, clientId): a retry returns the first message with
   * `created: false` and publishes nothing (but what the first try stored and failed to publish). A clientId already used in another conversation is a
   * CONFLICT (it cannot name two messages).
   */
  async send(viewer: Viewer, id: unknown, input: { text: unknown; clientId: unknown }): Promise<{ message: DirectMessage; created: boolean }> {
    const { clientId } = input;
    if (typeof id !== 'string' || !isId(id)) throw errors.badRequest('`conversationId` must be a conversation id.');
    if (!isStorableId(clientId, LIMITS.clientIdMax)) {
      throw errors.validation(`\`clientId\` is required: a string of 1 to ${LIMITS.clientIdMax} characters, without NUL or lone surrogates.`);
    }
    const parsed = parseChatText(input.text);
    if (!parsed.ok) throw errors.validation(parsed.message);
    const conv = await this.member(viewer, id, { toWrite: true });
    const { db } = this.deps;
    const retried = await this.retried(viewer, id, clientId);
    if (retried) return { message: await this.publishLate(retried, conv.otherId), created: false };
    await enforceRate(this.deps.limiter, `dms:send:${viewer.id}`, DM_LIMITS.messagesPerUser);
    const done = await db.tx(async (q) => {
      const inserted = await insertMessage(q, { conversationId: id, userId: viewer.id, clientId, kind: parsed.kind, text: parsed.text });
      if (!inserted) return null;
      // One notification per unread streak: the key names the recipient's marker, so every message
      // they have not read yet lands on the same notification (stored once per key), and the first
      // message after they read the thread makes a new one. A burst of twenty messages is one line.
      await enqueue(q, 'notify', {
        type: 'message',
        userId: conv.otherId,
        actorId: viewer.id,
        conversationId: id,
        key: `message:${id}:${inserted.recipientRead}`,
      });
      return inserted;
    });
    if (!done) {
      // The same clientId, committed concurrently (or the conversation went meanwhile).
      const first = await this.retried(viewer, id, clientId);
      if (!first) throw notFound();
      return { message: first, created: false };
    }
    await publishOnce(db, 'dm_messages', done.message.id, async () => {
      await this.deps.bus.publish(dmStream(id), 'dm.message', done.message);
      if (done.senderHadUnread) {
        // Writing back means having read what came before: the other side sees it as "Seen".
        await this.deps.bus.publish(dmStream(id), 'dm.read', { conversationId: id, userId: viewer.id, readUpTo: done.message.id });
      }
      // Both members' lists move the conversation up; the recipient's count grows.
      await Promise.all([this.publishUnread(conv.otherId, id), this.publishUnread(viewer.id, id)]);
    }, true);
    return { message: done.message, created: true };
  }

  /** A retry of a message stored but never published (the publish failed) publishes it now. */
  private async publishLate(message: DirectMessage, otherId: string): Promise<DirectMessage> {
    const id = message.conversationId;
    await publishOnce(this.deps.db, 'dm_messages', message.id, async () => {
      await this.deps.bus.publish(dmStream(id), 'dm.message', message);
      await Promise.all([this.publishUnread(otherId, id), this.publishUnread(message.user.id, id)]);
    });
    return message;
  }

  /** Moves the viewer's read marker forward to `upTo` (never back); returns where it stands and the counts. */
  async read(viewer: Viewer, id: string, upTo: unknown): Promise<{ conversationId: string; readUpTo: string | null; unread: number; total: number }> {
    if (typeof upTo !== 'string' || !isId(upTo)) throw errors.validation('`upTo` must be a message id.');
    await this.member(viewer, id);
    await enforceRate(this.deps.limiter, `dms:read:${viewer.id}`, DM_LIMITS.readsPerUser);
    const moved = await moveMarker(this.deps.db, id, viewer.id, upTo);
    if (moved) await this.deps.bus.publish(dmStream(id), 'dm.read', { conversationId: id, userId: viewer.id, readUpTo: moved });
    const counts = moved ? await this.publishUnread(viewer.id, id) : await this.counts(viewer.id, id);
    const [row] = await this.deps.db.query<{ last_read_id: string }>(
      `select last_read_id::text as last_read_id from dm_reads where conversation_id = $1 and user_id = $2`,
      [id, viewer.id],
    );
    return { conversationId: id, readUpTo: row && row.last_read_id !== '0' ? row.last_read_id : null, ...counts };
  }

  /** Who may watch dm:<id>: its members, while no block stands between them. */
  async authorizeStream(viewer: Viewer, id: string): Promise<void> {
    const ref = isId(id) ? await findConversationRef(this.deps.db, id) : null;
    const otherId = ref ? otherMember(ref, viewer.id) : null;
    if (!otherId) throw errors.forbidden('Only its two members can watch a conversation.');
    if (await blockedBetween(this.deps.db, viewer.id, otherId)) throw errors.forbidden('You cannot watch a conversation with someone you blocked or who blocked you.');
  }

  /**
   * The conversation, if the viewer is in it and may see it now (see the file's header); with
   * `toWrite`, also refuses a deleted other member.
   */
  private async member(viewer: Viewer, id: string, opts: { toWrite?: boolean } = {}): Promise<Membership> {
    const ref = isId(id) ? await findConversationRef(this.deps.db, id) : null;
    const otherId = ref ? otherMember(ref, viewer.id) : null;
    if (!otherId) throw notFound();
    if (await blockedBetween(this.deps.db, viewer.id, otherId)) throw errors.blocked('You cannot message someone you blocked or who blocked you.');
    const state = await memberState(this.deps.db, otherId);
    if (state.suspended && !state.gone) throw notFound();
    if (opts.toWrite && state.gone) throw new AppError('GONE', 410, 'This account was deleted: it cannot receive messages.');
    return { id, otherId };
  }

  private async retried(viewer: Viewer, id: string, clientId: string): Promise<DirectMessage | null> {
    const first = await findByClientId(this.deps.db, viewer.id, clientId);
    if (first && first.conversationId !== id) throw errors.conflict('This `clientId` was used for a message in another conversation: use a new one.');
    return first;
  }

  private async counts(userId: string, conversationId: string): Promise<{ unread: number; total: number }> {
    const hidden = await this.deps.hidden.hiddenFor(userId);
    const [unread, total] = await Promise.all([unreadIn(this.deps.db, userId, conversationId), unreadTotal(this.deps.db, userId, hidden)]);
    return { unread, total };
  }

  private async publishUnread(userId: string, conversationId: string): Promise<{ unread: number; total: number }> {
    const counts = await this.counts(userId, conversationId);
    await this.deps.bus.publish(`user:${userId}`, 'dm.unread', { conversationId, ...counts });
    return counts;
  }
}

function notFound(): AppError {
  return errors.notFound('The conversation');
}

function isId(id: string): boolean {
  return /^\d{1,18}$/.test(id);
}

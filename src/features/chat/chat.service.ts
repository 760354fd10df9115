// Chat: rooms, history, idempotent sends, presence. Services see plain values, never a request.
import { errors } from '../../errors.js';
import type { RealtimeBus } from '../../ports/bus.js';
import type { Db } from '../../ports/db.js';
import type { PresenceMember, PresenceStore } from '../../ports/presence.js';
import { enforceRate, type RateLimiter } from '../../ports/rate-limit.js';
import { LIMITS, type ChatMessage, type ChatRoom, type PublicUser } from '../../shared/api.js';
import type { Viewer } from '../accounts/viewer.js';
import type { HiddenAuthors } from '../blocks/visibility.js';
import { loadPublicUsers } from '../profiles/profiles.repo.js';
import { insertMessage, insertRoom, listMessages, listRooms, roomExists } from './chat.repo.js';
import { isStorableId } from '../../shared/text.js';
import { parseChatText } from './chat.text.js';
import { publishOnce } from '../../realtime/published.js';

export const CHAT_LIMITS = {
  messagesPerUser: { limit: 20, windowMs: 10_000 },
  roomsPerUser: { limit: 10, windowMs: 60 * 60_000 },
} as const;

const ROOM = new RegExp(LIMITS.roomPattern);

export interface ChatDeps {
  db: Db;
  bus: RealtimeBus;
  presence: PresenceStore;
  limiter: RateLimiter;
  /** Whose messages and presence each viewer must not see: blocks, suspensions. */
  hidden: HiddenAuthors;
}

export class ChatService {
  /** `room\nuserId` -> the retry of a held-back presence announcement: one per user and room. */
  private readonly retries = new Map<string, NodeJS.Timeout>();

  constructor(private readonly deps: ChatDeps) {
    deps.presence.onExpired?.((room, user) => void this.announce(room, user).catch(() => {}));
  }

  rooms(after: string | undefined, limit: number): Promise<ChatRoom[]> {
    return listRooms(this.deps.db, after, limit);
  }

  async createRoom(viewer: Viewer, name: string): Promise<ChatRoom> {
    await enforceRate(this.deps.limiter, `chat:rooms:${viewer.id}`, CHAT_LIMITS.roomsPerUser);
    const room = await insertRoom(this.deps.db, name, viewer.id);
    if (!room) throw errors.conflict(`The room "${name}" already exists.`);
    return room;
  }

  async history(viewer: Viewer, room: string, beforeId: string | undefined, limit: number): Promise<ChatMessage[]> {
    await this.requireRoom(room);
    return listMessages(this.deps.db, room, beforeId, limit, await this.deps.hidden.hiddenFor(viewer.id));
  }

  /**
   * Who is in the room, as their profiles are now (the store keeps who, not how they look), but
   * whoever the viewer must not see.
   */
  async present(viewer: Viewer, room: string): Promise<PublicUser[]> {
    await this.requireRoom(room);
    const [members, hidden] = await Promise.all([this.deps.presence.list(room), this.deps.hidden.hiddenFor(viewer.id)]);
    const shown = hidden.length === 0 ? members : members.filter((m) => !hidden.includes(m.id));
    const users = await loadPublicUsers(this.deps.db, shown.map((m) => m.id));
    return shown.flatMap((m) => users.get(m.id) ?? []);
  }

  /**
   * Posts a message once per clientId: a retry returns the first message and publishes nothing,
   * unless the first try was stored but its publish failed: then the retry publishes it.
   */
  async send(viewer: Viewer, input: unknown): Promise<ChatMessage> {
    const { room, text, clientId } = (typeof input === 'object' && input !== null ? input : {}) as Record<string, unknown>;
    if (typeof room !== 'string' || !ROOM.test(room)) throw errors.badRequest('`room` must be a room name.');
    if (!isStorableId(clientId, LIMITS.clientIdMax)) {
      throw errors.badRequest(`\`clientId\` is required: a string of 1 to ${LIMITS.clientIdMax} characters, without NUL or lone surrogates.`);
    }
    const parsed = parseChatText(text);
    if (!parsed.ok) throw errors.badRequest(parsed.message);
    await enforceRate(this.deps.limiter, `chat:send:${viewer.id}`, CHAT_LIMITS.messagesPerUser);
    await this.requireRoom(room);
    const { message, created } = await insertMessage(this.deps.db, {
      room,
      userId: viewer.id,
      clientId,
      kind: parsed.kind,
      text: parsed.text,
    });
    // A retry publishes only what the first try stored but could not put on the wire.
    await publishOnce(this.deps.db, 'chat_messages', message.id, () => this.deps.bus.publish(`chat:${room}`, 'chat.message', message), created);
    return message;
  }

  /** Presence changes publish one notice per user, however many tabs they have. */
  async joined(room: string, user: PresenceMember, connId: string): Promise<void> {
    if (await this.deps.presence.join(room, user, connId)) await this.announce(room, user);
  }

  async left(room: string, user: PresenceMember, connId: string): Promise<void> {
    if (await this.deps.presence.leave(room, user.id, connId)) await this.announce(room, user);
  }

  /**
   * Puts the user's real presence on the wire, at most once per interval (the store decides, for
   * every instance): a flapping user costs their room a notice every few seconds, and the last
   * state still goes out. Notices are volatile, so they never push messages out of the replay
   * history; a client that resubscribes refetches the list instead.
   */
  private async announce(room: string, user: PresenceMember): Promise<void> {
    const { presence, bus } = this.deps;
    // Twice at most: the second pass catches a change that raced the first (it read `present`
    // before that change, and the change's own pass found the state already announced).
    for (let pass = 0; pass < 2; pass++) {
      const present = await presence.isPresent(room, user.id);
      const decision = await presence.announce(room, user, present, Date.now());
      if (decision === 'same') return;
      if (decision !== 'publish') return this.retryLater(room, user, decision.retryInMs);
      const data = { user: await this.profileOf(user) };
      await bus.publish(`chat:${room}`, present ? 'presence.joined' : 'presence.left', data, { volatile: true });
    }
  }

  private retryLater(room: string, user: PresenceMember, delayMs: number): void {
    const key = `${room}\n${user.id}`;
    // The retry pending reads the state when it runs, so it covers this change too.
    if (this.retries.has(key)) return;
    const timer = setTimeout(() => {
      this.retries.delete(key);
      void this.announce(room, user).catch(() => {});
    }, delayMs);
    // A process stopping does not wait for it: the store's note lets another instance make it.
    timer.unref();
    this.retries.set(key, timer);
  }

  /** A notice shows the user as they look now; one whose account is gone, by the name they had. */
  private async profileOf(member: PresenceMember): Promise<PublicUser> {
    const found = (await loadPublicUsers(this.deps.db, [member.id])).get(member.id);
    return found ?? { id: member.id, username: member.username, displayName: member.username, bio: '', avatar: null };
  }

  async requireRoom(room: string): Promise<void> {
    if (!ROOM.test(room) || !(await roomExists(this.deps.db, room))) throw errors.notFound(`The room "${room.slice(0, 40)}"`);
  }

}

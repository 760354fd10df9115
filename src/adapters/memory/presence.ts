// Embedded presence: every connection lives in this process, so a map is the whole truth.
import { ANNOUNCE_INTERVAL_MS, ANNOUNCE_MEMORY_MS, type Announcement, type PresenceStore, type PresenceMember } from '../../ports/presence.js';

interface Member {
  user: PresenceMember;
  conns: Set<string>;
}

/** The last state announced for a user in a room, and when. */
interface Said {
  present: boolean;
  at: number;
}

export class MemoryPresence implements PresenceStore {
  private readonly rooms = new Map<string, Map<string, Member>>();
  /** `room\nuserId` -> the last announcement, forgotten after ANNOUNCE_MEMORY_MS. */
  private readonly said = new Map<string, Said>();
  private prunedAt = 0;

  async join(room: string, user: PresenceMember, connId: string): Promise<boolean> {
    let members = this.rooms.get(room);
    if (!members) this.rooms.set(room, (members = new Map()));
    const member = members.get(user.id);
    if (member) {
      member.conns.add(connId);
      return false;
    }
    members.set(user.id, { user: { id: user.id, username: user.username }, conns: new Set([connId]) });
    return true;
  }

  async leave(room: string, userId: string, connId: string): Promise<boolean> {
    const members = this.rooms.get(room);
    const member = members?.get(userId);
    if (!members || !member || !member.conns.delete(connId)) return false;
    if (member.conns.size > 0) return false;
    members.delete(userId);
    if (members.size === 0) this.rooms.delete(room);
    return true;
  }

  async isPresent(room: string, userId: string): Promise<boolean> {
    return this.rooms.get(room)?.has(userId) ?? false;
  }

  async announce(room: string, user: PresenceMember, present: boolean, now: number): Promise<Announcement> {
    this.prune(now);
    const key = `${room}\n${user.id}`;
    const last = this.said.get(key);
    if (last && now - last.at < ANNOUNCE_MEMORY_MS) {
      if (last.present === present) return 'same';
      const wait = last.at + ANNOUNCE_INTERVAL_MS - now;
      // A clock that stepped back (wait > interval) must not hold the notice back for that long.
      if (wait > 0 && wait <= ANNOUNCE_INTERVAL_MS) return { retryInMs: wait };
    }
    this.said.set(key, { present, at: now });
    return 'publish';
  }

  async list(room: string): Promise<PresenceMember[]> {
    return [...(this.rooms.get(room)?.values() ?? [])]
      .map((m) => m.user)
      .sort((a, b) => a.username.localeCompare(b.username));
  }

  /** At most once per memory span, so a busy chat does not pay for it on every change. */
  private prune(now: number): void {
    if (now - this.prunedAt < ANNOUNCE_MEMORY_MS) return;
    this.prunedAt = now;
    for (const [key, said] of this.said) if (now - said.at >= ANNOUNCE_MEMORY_MS) this.said.delete(key);
  }
}

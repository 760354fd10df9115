// Embedded presence: every connection lives in this process, so a map is the whole truth.
import type { PresenceStore } from '../../ports/presence.js';
import type { PublicUser } from '../../shared/api.js';

interface Member {
  user: PublicUser;
  conns: Set<string>;
}

export class MemoryPresence implements PresenceStore {
  private readonly rooms = new Map<string, Map<string, Member>>();

  async join(room: string, user: PublicUser, connId: string): Promise<boolean> {
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

  async list(room: string): Promise<PublicUser[]> {
    return [...(this.rooms.get(room)?.values() ?? [])]
      .map((m) => m.user)
      .sort((a, b) => a.username.localeCompare(b.username));
  }
}

import type { Db, Queryable } from '../../ports/db.js';
import type { ChatKind, ChatMessage, ChatRoom } from '../../shared/api.js';
import { publicUserAs, publicUserColumns } from '../profiles/public-user.js';

interface MessageRow {
  id: string;
  room: string;
  user_id: string;
  body: string;
  kind: ChatKind;
  created_at: Date;
}

// A deleted account's messages stay, from DELETED_USERNAME (its username is null: see publicUser).
const MESSAGE_COLUMNS = `m.id, m.room, m.user_id, ${publicUserColumns('u', 'author')}, m.body, m.kind, m.created_at`;

function toMessage(r: MessageRow): ChatMessage {
  return {
    id: r.id,
    room: r.room,
    user: publicUserAs(r, 'author'),
    text: r.body,
    kind: r.kind,
    createdAt: r.created_at.toISOString(),
  };
}

export async function roomExists(q: Queryable, name: string): Promise<boolean> {
  return (await q.query('select 1 from chat_rooms where name = $1', [name])).length > 0;
}

export async function listRooms(q: Queryable, after: string | undefined, limit: number): Promise<ChatRoom[]> {
  const rows = await q.query<{ name: string; created_at: Date }>(
    `select name, created_at from chat_rooms where ($1::text is null or name > $1) order by name limit $2`,
    [after ?? null, limit],
  );
  return rows.map((r) => ({ name: r.name, createdAt: r.created_at.toISOString() }));
}

/** Returns null when the room already exists. */
export async function insertRoom(q: Queryable, name: string, userId: string): Promise<ChatRoom | null> {
  const [row] = await q.query<{ name: string; created_at: Date }>(
    `insert into chat_rooms (name, created_by) values ($1, $2) on conflict (name) do nothing returning name, created_at`,
    [name, userId],
  );
  return row ? { name: row.name, createdAt: row.created_at.toISOString() } : null;
}

/**
 * Stores a message once per (user, clientId). `created` is false when a retry found the first one,
 * which is returned unchanged.
 */
export async function insertMessage(
  db: Db,
  m: { room: string; userId: string; clientId: string; kind: ChatKind; text: string },
): Promise<{ message: ChatMessage; created: boolean }> {
  const [inserted] = await db.query<MessageRow>(
    `with m as (
       insert into chat_messages (room, user_id, client_id, kind, body) values ($1, $2, $3, $4, $5)
       on conflict (user_id, client_id) do nothing
       returning *)
     select ${MESSAGE_COLUMNS} from m join users u on u.id = m.user_id`,
    [m.room, m.userId, m.clientId, m.kind, m.text],
  );
  if (inserted) return { message: toMessage(inserted), created: true };
  const [existing] = await db.query<MessageRow>(
    `select ${MESSAGE_COLUMNS} from chat_messages m join users u on u.id = m.user_id
     where m.user_id = $1 and m.client_id = $2`,
    [m.userId, m.clientId],
  );
  if (!existing) throw new Error('chat message vanished between insert and read');
  return { message: toMessage(existing), created: false };
}

/** Newest first, strictly older than `beforeId`, without those a moderator removed or of `hidden` authors (blocks, suspensions). */
export async function listMessages(q: Queryable, room: string, beforeId: string | undefined, limit: number, hidden: readonly string[] = []): Promise<ChatMessage[]> {
  const hiding = hidden.length > 0 ? ' and m.user_id <> all($4::bigint[])' : '';
  const rows = await q.query<MessageRow>(
    `select ${MESSAGE_COLUMNS} from chat_messages m join users u on u.id = m.user_id
     where m.room = $1 and ($2::bigint is null or m.id < $2::bigint) and m.removed_at is null${hiding}
     order by m.id desc limit $3`,
    hidden.length > 0 ? [room, beforeId ?? null, limit, hidden] : [room, beforeId ?? null, limit],
  );
  return rows.map(toMessage);
}

// Private conversations (migration 011): one row per pair (user_low < user_high), their messages,
// and one read marker per member. Every read builds its conversations with toConversation and its
// messages with toMessage, so they look the same in every list, event and reply. A member whose
// account is deleted (or being deleted) shows as "[deleted]"; their messages stay.
import type { Queryable } from '../../ports/db.js';
import type { ChatKind } from '../../shared/api.js';
import type { Conversation, DirectMessage } from '../../shared/community.js';
import { deletedUser, publicUserAs, publicUserColumns } from '../profiles/public-user.js';

/**
 * Unread counts stop here: a count walks the conversation's index from the reader's marker, and
 * nobody needs to know that 5,000 is not 1,000 ("999+" in the browser).
 */
export const UNREAD_CAP = 1000;

interface MessageRow {
  id: string;
  conversation_id: string;
  author_gone: boolean;
  body: string;
  kind: ChatKind;
  created_at: Date;
}

const MESSAGE_COLUMNS = `m.id, m.conversation_id, ${publicUserColumns('u', 'author')}, u.deleted_at is not null as author_gone, m.body, m.kind, m.created_at`;

function toMessage(r: MessageRow): DirectMessage {
  return {
    id: r.id,
    conversationId: r.conversation_id,
    user: r.author_gone ? deletedUser(publicUserAs(r, 'author').id) : publicUserAs(r, 'author'),
    text: r.body,
    kind: r.kind,
    createdAt: r.created_at.toISOString(),
  };
}

/** The two members of a conversation, or null when there is no such conversation. */
export interface ConversationRef {
  id: string;
  low: string;
  high: string;
}

export async function findConversationRef(q: Queryable, id: string): Promise<ConversationRef | null> {
  const [row] = await q.query<{ id: string; user_low: string; user_high: string }>(
    `select id::text as id, user_low::text as user_low, user_high::text as user_high from conversations where id = $1`,
    [id],
  );
  return row ? { id: row.id, low: row.user_low, high: row.user_high } : null;
}

export function otherMember(c: ConversationRef, userId: string): string | null {
  if (c.low === userId) return c.high;
  if (c.high === userId) return c.low;
  return null;
}

/** Creates the pair's conversation unless it exists; `created` says which. */
export async function openConversation(q: Queryable, a: string, b: string): Promise<{ id: string; created: boolean }> {
  const [low, high] = BigInt(a) < BigInt(b) ? [a, b] : [b, a];
  const [inserted] = await q.query<{ id: string }>(
    `insert into conversations (user_low, user_high) values ($1, $2) on conflict (user_low, user_high) do nothing returning id::text as id`,
    [low, high],
  );
  if (inserted) return { id: inserted.id, created: true };
  const [existing] = await q.query<{ id: string }>(`select id::text as id from conversations where user_low = $1 and user_high = $2`, [low, high]);
  if (!existing) throw new Error('conversation vanished between insert and read');
  return { id: existing.id, created: false };
}

/** Where a page of conversations ends: unread ones come first (u = 1), then by their last message. */
export interface ConversationCursor {
  u: 0 | 1;
  m: string;
}

interface ConversationRow {
  id: string;
  created_at: Date;
  has_unread: number;
  last_message_id: string | null;
  other_gone: boolean;
  other_read: string | null;
  unread: number;
  lm_id: string | null;
  author_gone: boolean | null;
  body: string | null;
  kind: ChatKind | null;
  lm_created_at: Date | null;
}

/**
 * The columns of a conversation as `$1` (the viewer) sees it, over a relation `p` that has the
 * conversation's id, other_id, my_read and has_unread. The last message's columns are named as
 * MESSAGE_COLUMNS names them, so toMessage reads them.
 */
const CONVERSATION_SELECT = `
  select p.id::text as id, c.created_at, p.has_unread, c.last_message_id::text as last_message_id,
         ${publicUserColumns('o', 'other')}, o.deleted_at is not null as other_gone,
         nullif(orr.last_read_id, 0)::text as other_read,
         case when p.has_unread = 1 then (
           select count(*)::int from (
             select 1 from dm_messages x where x.conversation_id = p.id and x.id > p.my_read and x.user_id <> $1 limit ${UNREAD_CAP}) n)
         else 0 end as unread,
         m.id::text as lm_id, ${publicUserColumns('u', 'author')}, u.deleted_at is not null as author_gone,
         m.body, m.kind, m.created_at as lm_created_at
  from p
  join conversations c on c.id = p.id
  join users o on o.id = p.other_id
  left join dm_reads orr on orr.conversation_id = p.id and orr.user_id = p.other_id
  left join dm_messages m on m.id = c.last_message_id
  left join users u on u.id = m.user_id`;

/** The viewer's side of each conversation: who the other is, the viewer's marker, whether anything is unread. */
const MINE = `
  select c.id, case when c.user_low = $1 then c.user_high else c.user_low end as other_id,
         coalesce(r.last_read_id, 0) as my_read,
         (coalesce(c.last_message_id, 0) > coalesce(r.last_read_id, 0))::int as has_unread,
         c.last_message_id
  from conversations c left join dm_reads r on r.conversation_id = c.id and r.user_id = $1`;

function toConversation(r: ConversationRow): Conversation {
  const other = publicUserAs(r, 'other');
  const lastMessage =
    r.lm_id === null || r.lm_created_at === null
      ? null
      : toMessage({ ...r, id: r.lm_id, conversation_id: r.id, author_gone: r.author_gone === true, body: r.body ?? '', kind: r.kind ?? 'text', created_at: r.lm_created_at });
  return {
    id: r.id,
    with: r.other_gone ? deletedUser(other.id) : other,
    lastMessage,
    unread: r.unread,
    readUpTo: r.other_read,
    createdAt: r.created_at.toISOString(),
  };
}

/** One conversation as a member sees it; null when there is none or the viewer is not in it. */
export async function findConversation(q: Queryable, viewerId: string, id: string): Promise<Conversation | null> {
  const [row] = await q.query<ConversationRow>(
    `with p as (${MINE} where c.id = $2 and (c.user_low = $1 or c.user_high = $1))
     ${CONVERSATION_SELECT}`,
    [viewerId, id],
  );
  return row ? toConversation(row) : null;
}

/**
 * The viewer's conversations that have messages, unread first, then by their last message, strictly
 * after the cursor; without those whose other member is `hidden` (blocks either way, suspensions).
 */
export async function listConversations(
  q: Queryable,
  viewerId: string,
  before: ConversationCursor | undefined,
  limit: number,
  hidden: readonly string[],
): Promise<{ conversation: Conversation; cursor: ConversationCursor }[]> {
  const rows = await q.query<ConversationRow>(
    `with mine as (${MINE} where (c.user_low = $1 or c.user_high = $1) and c.last_message_id is not null),
     p as (
       select * from mine
       where other_id <> all($2::bigint[])
         and ($3::int is null or (has_unread, last_message_id) < ($3::int, $4::bigint))
       order by has_unread desc, last_message_id desc limit $5)
     ${CONVERSATION_SELECT}
     order by p.has_unread desc, p.last_message_id desc`,
    [viewerId, hidden, before?.u ?? null, before?.m ?? null, limit],
  );
  return rows.map((r) => ({ conversation: toConversation(r), cursor: { u: r.has_unread === 1 ? 1 : 0, m: r.last_message_id! } }));
}

/** Unread messages in one conversation (from the other member, after the viewer's marker). */
export async function unreadIn(q: Queryable, viewerId: string, conversationId: string): Promise<number> {
  const [row] = await q.query<{ n: number }>(
    `select count(*)::int as n from (
       select 1 from dm_messages x
       where x.conversation_id = $2 and x.user_id <> $1
         and x.id > coalesce((select last_read_id from dm_reads where conversation_id = $2 and user_id = $1), 0)
       limit ${UNREAD_CAP}) n`,
    [viewerId, conversationId],
  );
  return row?.n ?? 0;
}

/** Unread messages in all the viewer's conversations but those with someone `hidden` from them. */
export async function unreadTotal(q: Queryable, viewerId: string, hidden: readonly string[]): Promise<number> {
  const [row] = await q.query<{ n: number }>(
    `select coalesce(sum((
       select count(*) from (
         select 1 from dm_messages x where x.conversation_id = p.id and x.id > p.my_read and x.user_id <> $1 limit ${UNREAD_CAP}) n)), 0)::int as n
     from (${MINE} where (c.user_low = $1 or c.user_high = $1)) p
     where p.has_unread = 1 and p.other_id <> all($2::bigint[])`,
    [viewerId, hidden],
  );
  return row?.n ?? 0;
}

/** Newest first, strictly older than `beforeId`. */
export async function listMessages(q: Queryable, conversationId: string, beforeId: string | undefined, limit: number): Promise<DirectMessage[]> {
  const rows = await q.query<MessageRow>(
    `select ${MESSAGE_COLUMNS} from dm_messages m join users u on u.id = m.user_id
     where m.conversation_id = $1 and ($2::bigint is null or m.id < $2::bigint)
     order by m.id desc limit $3`,
    [conversationId, beforeId ?? null, limit],
  );
  return rows.map(toMessage);
}

/** The message a user sent with this clientId, in whichever conversation. */
export async function findByClientId(q: Queryable, userId: string, clientId: string): Promise<DirectMessage | null> {
  const [row] = await q.query<MessageRow>(
    `select ${MESSAGE_COLUMNS} from dm_messages m join users u on u.id = m.user_id where m.user_id = $1 and m.client_id = $2`,
    [userId, clientId],
  );
  return row ? toMessage(row) : null;
}

/**
 * Stores a message once per (user, clientId), in a transaction that holds the conversation's row
 * (so messages, the last message and the markers move one at a time): null when that clientId was
 * already used. The sender has read everything up to their own message, so their marker follows.
 * Returns the recipient's marker, which names their unread streak (see dms.service.ts).
 */
export async function insertMessage(
  q: Queryable,
  m: { conversationId: string; userId: string; clientId: string; kind: ChatKind; text: string },
): Promise<{ message: DirectMessage; senderHadUnread: boolean; recipientRead: string } | null> {
  const [conv] = await q.query<{ last_message_id: string | null; user_low: string; user_high: string }>(
    `select last_message_id::text as last_message_id, user_low::text as user_low, user_high::text as user_high from conversations where id = $1 for update`,
    [m.conversationId],
  );
  if (!conv) return null;
  const [row] = await q.query<MessageRow>(
    `with m as (
       insert into dm_messages (conversation_id, user_id, client_id, kind, body) values ($1, $2, $3, $4, $5)
       on conflict (user_id, client_id) do nothing
       returning *)
     select ${MESSAGE_COLUMNS} from m join users u on u.id = m.user_id`,
    [m.conversationId, m.userId, m.clientId, m.kind, m.text],
  );
  if (!row) return null;
  await q.query(`update conversations set last_message_id = $2 where id = $1`, [m.conversationId, row.id]);
  const [before] = await q.query<{ last_read_id: string }>(
    `select last_read_id::text as last_read_id from dm_reads where conversation_id = $1 and user_id = $2`,
    [m.conversationId, m.userId],
  );
  await moveMarker(q, m.conversationId, m.userId, row.id);
  const recipient = conv.user_low === m.userId ? conv.user_high : conv.user_low;
  const [theirs] = await q.query<{ last_read_id: string }>(
    `select last_read_id::text as last_read_id from dm_reads where conversation_id = $1 and user_id = $2`,
    [m.conversationId, recipient],
  );
  const senderRead = BigInt(before?.last_read_id ?? '0');
  return {
    message: toMessage(row),
    senderHadUnread: conv.last_message_id !== null && BigInt(conv.last_message_id) > senderRead,
    recipientRead: theirs?.last_read_id ?? '0',
  };
}

/**
 * Moves a member's marker forward to `upTo`, never back and never past the conversation's last
 * message. Returns the new marker, or null when it did not move.
 */
export async function moveMarker(q: Queryable, conversationId: string, userId: string, upTo: string): Promise<string | null> {
  const [row] = await q.query<{ last_read_id: string }>(
    `insert into dm_reads (conversation_id, user_id, last_read_id)
     select c.id, $2, least($3::bigint, c.last_message_id) from conversations c where c.id = $1 and least($3::bigint, c.last_message_id) > 0
     on conflict (conversation_id, user_id) do update set last_read_id = excluded.last_read_id
       where dm_reads.last_read_id < excluded.last_read_id
     returning last_read_id::text as last_read_id`,
    [conversationId, userId, upTo],
  );
  return row?.last_read_id ?? null;
}

/** A user who may be written to: exists, not deleted; with whether they are suspended now. */
export async function findRecipient(q: Queryable, username: string): Promise<{ id: string; suspended: boolean } | null> {
  const [row] = await q.query<{ id: string; suspended: boolean }>(
    `select id::text as id, coalesce(suspended_until > now(), false) as suspended from users where username = $1 and deleted_at is null`,
    [username],
  );
  return row ?? null;
}

/** Whether the user's account is deleted (or being deleted), and whether they are suspended now. */
export async function memberState(q: Queryable, userId: string): Promise<{ gone: boolean; suspended: boolean }> {
  const [row] = await q.query<{ gone: boolean; suspended: boolean }>(
    `select deleted_at is not null or username is null as gone, coalesce(suspended_until > now(), false) as suspended from users where id = $1`,
    [userId],
  );
  return row ?? { gone: true, suspended: false };
}

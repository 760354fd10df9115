// Comment rows. Every read builds its comments with toComment, so a comment looks the same in
// every list, event and reply.
import type { Queryable } from '../../ports/db.js';
import type { Comment } from '../../shared/api.js';
import { publicUserAs, publicUserColumns } from '../profiles/public-user.js';
import { tagComment } from '../tags/tags.repo.js';

interface CommentRow {
  id: string;
  photo_id: string;
  body: string;
  created_at: Date;
}

const COMMENT_SELECT = `
  select c.id, c.photo_id, ${publicUserColumns('u', 'author')}, c.body, c.created_at
  from comments c join users u on u.id = c.user_id`;

function toComment(r: CommentRow): Comment {
  return { id: r.id, photoId: r.photo_id, user: publicUserAs(r, 'author'), text: r.body, createdAt: r.created_at.toISOString() };
}

/** Oldest first, strictly newer than `afterId`, without the comments of `hidden` authors (blocks, suspensions). */
export async function listComments(q: Queryable, photoId: string, afterId: string | undefined, limit: number, hidden: readonly string[] = []): Promise<Comment[]> {
  const hiding = hidden.length > 0 ? ' and c.user_id <> all($4::bigint[])' : '';
  const rows = await q.query<CommentRow>(
    `${COMMENT_SELECT} where c.photo_id = $1 and ($2::bigint is null or c.id > $2::bigint)${hiding} order by c.id limit $3`,
    hidden.length > 0 ? [photoId, afterId ?? null, limit, hidden] : [photoId, afterId ?? null, limit],
  );
  return rows.map(toComment);
}

/** The comment a user posted with this clientId, if any. */
export async function findByClientId(q: Queryable, userId: string, clientId: string): Promise<Comment | null> {
  const [row] = await q.query<CommentRow>(`${COMMENT_SELECT} where c.user_id = $1 and c.client_id = $2`, [userId, clientId]);
  return row ? toComment(row) : null;
}

/** Inserts once per (user, clientId): null when that clientId was already used. */
export async function insertComment(
  q: Queryable,
  c: { photoId: string; userId: string; clientId: string; text: string },
): Promise<Comment | null> {
  const [row] = await q.query<CommentRow>(
    `with c as (
       insert into comments (photo_id, user_id, client_id, body) values ($1, $2, $3, $4)
       on conflict (user_id, client_id) do nothing
       returning *)
     select c.id, c.photo_id, ${publicUserColumns('u', 'author')}, c.body, c.created_at from c join users u on u.id = c.user_id`,
    [c.photoId, c.userId, c.clientId, c.text],
  );
  if (row) await tagComment(q, row.id, c.text); // #tags in comments (features/tags)
  return row ? toComment(row) : null;
}

export interface CommentRef {
  id: string;
  photoId: string;
  authorId: string;
  photoOwnerId: string;
  text: string;
}

export async function findCommentRef(q: Queryable, id: string): Promise<CommentRef | null> {
  const [row] = await q.query<{ id: string; photo_id: string; user_id: string; owner_id: string; body: string }>(
    `select c.id, c.photo_id, c.user_id, p.owner_id, c.body from comments c join photos p on p.id = c.photo_id where c.id = $1`,
    [id],
  );
  return row ? { id: row.id, photoId: row.photo_id, authorId: row.user_id, photoOwnerId: row.owner_id, text: row.body } : null;
}

/** True when this call deleted it. The photo's count follows (trigger comments_count, migration 007). */
export async function deleteComment(q: Queryable, id: string): Promise<boolean> {
  const rows = await q.query(`delete from comments where id = $1 returning 1`, [id]);
  return rows.length > 0;
}

export async function commentsCount(q: Queryable, photoId: string): Promise<number> {
  const [row] = await q.query<{ comments_count: number }>(`select comments_count from photos where id = $1`, [photoId]);
  return row?.comments_count ?? 0;
}

/** The users, of these usernames, that exist. */
export async function usersNamed(q: Queryable, usernames: readonly string[]): Promise<{ id: string; username: string }[]> {
  if (usernames.length === 0) return [];
  return q.query<{ id: string; username: string }>(`select id::text as id, username from users where username = any($1::text[])`, [usernames]);
}

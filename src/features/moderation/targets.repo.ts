// What can be reported (photos, comments, chat messages, users): whether a target exists for its
// reporter, who posted it, what it looks like in the queue, and a chat message's removal.
import type { Queryable } from '../../ports/db.js';
import type { ReportTargetType, ReportedContent } from '../../shared/community.js';
import { mediaUrl } from '../photos/media-url.js';

export interface TargetRef {
  type: ReportTargetType;
  id: string;
}

/**
 * The author of a target its reporter can see: a ready photo (or their own), a comment on a ready
 * photo, a chat message not removed, a live account; and none of a suspended author's, which nobody
 * sees until the suspension ends. Null when there is no such target. (A block does not stop a report:
 * people often block someone and then report them.)
 */
export async function reportableAuthor(q: Queryable, target: TargetRef, reporterId: string): Promise<string | null> {
  const notSuspended = `not coalesce(a.suspended_until > now(), false)`;
  const [row] =
    target.type === 'photo'
      ? await q.query<{ author_id: string }>(
          `select p.owner_id::text as author_id from photos p join users a on a.id = p.owner_id
           where p.id = $1 and (p.status = 'ready' or p.owner_id = $2) and (${notSuspended} or p.owner_id = $2)`,
          [target.id, reporterId],
        )
      : await q.query<{ author_id: string }>(
          {
            // A comment shows with its photo: hidden with it, when the photo's owner is suspended.
            comment: `select c.user_id::text as author_id from comments c join photos p on p.id = c.photo_id
                      join users a on a.id = c.user_id join users o on o.id = p.owner_id
                      where c.id = $1 and p.status = 'ready' and ${notSuspended} and not coalesce(o.suspended_until > now(), false)`,
            message: `select m.user_id::text as author_id from chat_messages m join users a on a.id = m.user_id
                      where m.id = $1 and m.removed_at is null and ${notSuspended}`,
            user: `select a.id::text as author_id from users a where a.id = $1 and a.deleted_at is null and ${notSuspended}`,
          }[target.type],
          [target.id],
        );
  return row?.author_id ?? null;
}

/** The author of content that is still there (not deleted, not removed), or null when it is gone. */
export async function liveContentAuthor(q: Queryable, target: TargetRef): Promise<string | null> {
  const [row] = await q.query<{ author_id: string }>(
    {
      photo: `select owner_id::text as author_id from photos where id = $1 and status <> 'deleting'`,
      comment: `select user_id::text as author_id from comments where id = $1`,
      message: `select user_id::text as author_id from chat_messages where id = $1 and removed_at is null`,
      user: `select id::text as author_id from users where id = $1 and deleted_at is null`,
    }[target.type],
    [target.id],
  );
  return row?.author_id ?? null;
}

/** Takes a chat message out of history; null when it was removed already (or never was). */
export async function removeChatMessage(q: Queryable, id: string): Promise<{ room: string } | null> {
  const [row] = await q.query<{ room: string }>(`update chat_messages set removed_at = now() where id = $1 and removed_at is null returning room`, [id]);
  return row ?? null;
}

type Content = Omit<ReportedContent, 'author'>;

/**
 * What the targets look like now, keyed `type:id`, read in one query per type. A target missing
 * from the map is gone (deleted, removed) and shows as such.
 */
export async function loadContents(q: Queryable, targets: readonly TargetRef[]): Promise<Map<string, Content>> {
  const ids = (type: ReportTargetType) => [...new Set(targets.filter((t) => t.type === type).map((t) => t.id))];
  const out = new Map<string, Content>();
  const put = (type: ReportTargetType, id: string, c: Omit<Content, 'type' | 'id' | 'gone'>) => out.set(`${type}:${id}`, { type, id, gone: false, ...c });
  const [photos, comments, messages, users] = [ids('photo'), ids('comment'), ids('message'), ids('user')];
  if (photos.length > 0) {
    const rows = await q.query<{ id: string; caption: string; thumb_key: string | null }>(
      `select id::text as id, caption, thumb_key from photos where id = any($1::bigint[]) and status <> 'deleting'`,
      [photos],
    );
    for (const r of rows) put('photo', r.id, { text: r.caption, thumb: r.thumb_key ? mediaUrl(r.thumb_key) : null, context: null });
  }
  if (comments.length > 0) {
    // A comment shows with the photo it is on: its thumb and id (the context).
    const rows = await q.query<{ id: string; body: string; photo_id: string; thumb_key: string | null }>(
      `select c.id::text as id, c.body, c.photo_id::text as photo_id, p.thumb_key from comments c join photos p on p.id = c.photo_id where c.id = any($1::bigint[])`,
      [comments],
    );
    for (const r of rows) put('comment', r.id, { text: r.body, thumb: r.thumb_key ? mediaUrl(r.thumb_key) : null, context: r.photo_id });
  }
  if (messages.length > 0) {
    const rows = await q.query<{ id: string; body: string; room: string }>(
      `select id::text as id, body, room from chat_messages where id = any($1::bigint[]) and removed_at is null`,
      [messages],
    );
    for (const r of rows) put('message', r.id, { text: r.body, thumb: null, context: r.room });
  }
  if (users.length > 0) {
    const rows = await q.query<{ id: string; bio: string | null }>(`select id::text as id, bio from users where id = any($1::bigint[]) and deleted_at is null`, [users]);
    for (const r of rows) put('user', r.id, { text: r.bio ?? '', thumb: null, context: null });
  }
  return out;
}

/** How a target that is gone shows: who posted it is all that is left (the report kept it). */
export function goneContent(target: TargetRef): Content {
  return { type: target.type, id: target.id, text: '', thumb: null, context: null, gone: true };
}

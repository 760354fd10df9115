import type { Queryable } from '../../ports/db.js';
import type { NotifyPayload } from '../../ports/jobs.js';
import type { Notification, NotificationType } from '../../shared/api.js';
import { mediaUrl } from '../photos/media-url.js';
import { publicUserAs, publicUserColumns } from '../profiles/public-user.js';

interface NotificationRow {
  id: string;
  type: NotificationType;
  actor_id: string | null;
  actor_username: string | null;
  photo_id: string | null;
  thumb_key: string | null;
  badge: number | null;
  reason: string | null;
  comment_id: string | null;
  comment_body: string | null;
  export_id: string | null;
  conversation_id: string | null;
  removed_type: 'photo' | 'comment' | 'message' | null;
  read_at: Date | null;
  created_at: Date;
}

const SELECT = `
  select n.id, n.type, ${publicUserColumns('a', 'actor')}, n.photo_id, p.thumb_key, n.badge, n.reason, n.read_at, n.created_at,
         n.comment_id, c.body as comment_body, n.export_id, n.conversation_id, n.removed_type
  from notifications n left join users a on a.id = n.actor_id left join photos p on p.id = n.photo_id
  left join comments c on c.id = n.comment_id`;

function toNotification(r: NotificationRow): Notification {
  return {
    id: r.id,
    type: r.type,
    actor: r.actor_id && r.actor_username ? publicUserAs(r, 'actor') : null,
    photo: r.photo_id ? { id: r.photo_id, thumb: r.thumb_key ? mediaUrl(r.thumb_key) : null } : null,
    badge: r.badge,
    reason: r.reason,
    comment: r.comment_id && r.comment_body !== null ? { id: r.comment_id, text: r.comment_body } : null,
    export: r.export_id ? { id: r.export_id, url: `/api/me/exports/${r.export_id}` } : null,
    conversation: r.conversation_id ? { id: r.conversation_id } : null,
    removed: r.removed_type ? { type: r.removed_type } : null,
    read: r.read_at !== null,
    createdAt: r.created_at.toISOString(),
  };
}

/** Stores it once per (user, key); null when it was already there (a redelivered job). */
export async function insertNotification(q: Queryable, n: NotifyPayload): Promise<Notification | null> {
  const [inserted] = await q.query<{ id: string }>(
    `insert into notifications (user_id, type, actor_id, photo_id, badge, reason, dedupe_key, comment_id, export_id, conversation_id, removed_type)
     select $1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11
     -- The photo, the comment or the actor may be gone by the time the job runs: then there is nothing to say.
     where ($3::bigint is null or exists (select 1 from users where id = $3::bigint))
       and ($4::bigint is null or exists (select 1 from photos where id = $4::bigint))
       and ($8::bigint is null or exists (select 1 from comments where id = $8::bigint))
       and ($9::bigint is null or exists (select 1 from account_exports where id = $9::bigint))
       and ($10::bigint is null or exists (select 1 from conversations where id = $10::bigint))
       -- Nobody hears of someone they blocked, or who blocked them (migration 011).
       and ($3::bigint is null or not exists (
         select 1 from blocks b where (b.blocker_id = $1::bigint and b.blocked_id = $3::bigint) or (b.blocker_id = $3::bigint and b.blocked_id = $1::bigint)))
     on conflict (user_id, dedupe_key) do nothing
     returning id`,
    [
      n.userId,
      n.type,
      n.actorId ?? null,
      n.photoId ?? null,
      n.badge ?? null,
      n.reason ?? null,
      n.key,
      n.commentId ?? null,
      n.exportId ?? null,
      n.conversationId ?? null,
      n.removedType ?? null,
    ],
  );
  if (!inserted) return null;
  const [row] = await q.query<NotificationRow>(`${SELECT} where n.id = $1`, [inserted.id]);
  return row ? toNotification(row) : null;
}

/** Newest first; without those whose actor is `hidden` from the user (blocks, suspensions: features/blocks). */
export async function listNotifications(q: Queryable, userId: string, beforeId: string | undefined, limit: number, hidden: readonly string[] = []): Promise<Notification[]> {
  // A moderator's notice about one's own content stays, whoever the moderator is.
  const hiding = hidden.length > 0 ? ` and (n.actor_id is null or n.type = 'moderation' or n.actor_id <> all($4::bigint[]))` : '';
  const rows = await q.query<NotificationRow>(
    `${SELECT} where n.user_id = $1 and ($2::bigint is null or n.id < $2::bigint)${hiding} order by n.id desc limit $3`,
    hidden.length > 0 ? [userId, beforeId ?? null, limit, hidden] : [userId, beforeId ?? null, limit],
  );
  return rows.map(toNotification);
}

export async function unreadCount(q: Queryable, userId: string): Promise<number> {
  const [row] = await q.query<{ n: number }>(`select count(*)::int as n from notifications where user_id = $1 and read_at is null`, [userId]);
  return row?.n ?? 0;
}

export async function markAllRead(q: Queryable, userId: string): Promise<void> {
  await q.query(`update notifications set read_at = now() where user_id = $1 and read_at is null`, [userId]);
}

/** Ready photos of a user, and which milestone badges they already hold. */
export async function badgeState(q: Queryable, userId: string): Promise<{ photos: number; badges: number[] }> {
  const [row] = await q.query<{ photos: number; badges: number[] }>(
    `select (select count(*)::int from photos where owner_id = $1 and status = 'ready') as photos,
            coalesce((select array_agg(badge order by badge) from user_badges where user_id = $1), '{}') as badges`,
    [userId],
  );
  return row!;
}

/** True when the badge is new. */
export async function awardBadge(q: Queryable, userId: string, badge: number): Promise<boolean> {
  const rows = await q.query(`insert into user_badges (user_id, badge) values ($1, $2) on conflict do nothing returning badge`, [userId, badge]);
  return rows.length > 0;
}

// Profile rows: display name, bio and avatar live on `users` (migration 010).
import type { Queryable } from '../../ports/db.js';
import type { PublicUser } from '../../shared/api.js';
import { publicUser, USER_COLUMNS, type UserColumns } from './public-user.js';

/** Live accounts by id (deleted and unknown ids are left out). */
export async function loadPublicUsers(q: Queryable, ids: readonly string[]): Promise<Map<string, PublicUser>> {
  if (ids.length === 0) return new Map();
  const rows = await q.query<UserColumns>(`select ${USER_COLUMNS} from users where id = any($1::bigint[]) and deleted_at is null`, [[...new Set(ids)]]);
  return new Map(rows.map((r) => [r.id, publicUser(r)]));
}

/** Sets what is given (undefined leaves it); null when the account is gone. */
export async function updateProfile(q: Queryable, userId: string, p: { displayName?: string; bio?: string }): Promise<PublicUser | null> {
  const [row] = await q.query<UserColumns>(
    `update users set display_name = coalesce($2, display_name), bio = coalesce($3, bio)
     where id = $1 and deleted_at is null returning ${USER_COLUMNS}`,
    [userId, p.displayName ?? null, p.bio ?? null],
  );
  return row ? publicUser(row) : null;
}

/**
 * Records an avatar upload as the newest one (call it in a transaction); returns the upload it
 * replaces, if any, whose blob is the caller's to purge (its job finds itself overtaken). Null
 * when the account is gone.
 */
export async function requestAvatar(q: Queryable, userId: string, uploadKey: string): Promise<{ replaced: string | null } | null> {
  const [old] = await q.query<{ avatar_upload: string | null }>(`select avatar_upload from users where id = $1 and deleted_at is null for update`, [userId]);
  if (!old) return null;
  await q.query(`update users set avatar_upload = $2 where id = $1`, [userId, uploadKey]);
  return { replaced: old.avatar_upload === uploadKey ? null : old.avatar_upload };
}

/** The avatar upload still waiting for its job, if it is this one. */
export async function isCurrentAvatarUpload(q: Queryable, userId: string, uploadKey: string): Promise<boolean> {
  const rows = await q.query(`select 1 from users where id = $1 and avatar_upload = $2 and deleted_at is null`, [userId, uploadKey]);
  return rows.length > 0;
}

export interface AvatarChange {
  user: PublicUser;
  /** The media blobs the previous avatar was made of, for the purge. */
  previous: string[];
  /** A pending upload a removal cancelled, in the uploads store, for the purge. */
  cancelledUpload: string | null;
}

/**
 * Sets the avatar's two blobs if `uploadKey` is still the newest upload (the job's own), or clears
 * it when `uploadKey` is null (a removal, which also cancels a pending upload). Null when nothing
 * changed: the upload was overtaken, or the account is gone.
 */
export async function setAvatar(q: Queryable, userId: string, uploadKey: string | null, keys: { small: string; large: string } | null): Promise<AvatarChange | null> {
  const [old] = await q.query<{ avatar_small: string | null; avatar_large: string | null; avatar_upload: string | null }>(
    `select avatar_small, avatar_large, avatar_upload from users where id = $1 and deleted_at is null for update`,
    [userId],
  );
  if (!old || (uploadKey !== null && old.avatar_upload !== uploadKey)) return null;
  const [row] = await q.query<UserColumns>(
    `update users set avatar_small = $2, avatar_large = $3, avatar_upload = null where id = $1 returning ${USER_COLUMNS}`,
    [userId, keys?.small ?? null, keys?.large ?? null],
  );
  const previous = [old.avatar_small, old.avatar_large].filter((k): k is string => k !== null && k !== keys?.small && k !== keys?.large);
  return { user: publicUser(row!), previous, cancelledUpload: uploadKey === null ? old.avatar_upload : null };
}

// A user as anyone may see them, built the same way by every read that shows a user (photos,
// comments, chat, presence, notifications, search, profiles), so a user looks the same everywhere.
import type { PublicUser } from '../../shared/api.js';
import { DELETED_USERNAME } from '../../shared/api.js';
import { mediaUrl } from '../photos/media-url.js';

/** The users columns a public user is made of, as `<alias>_...` so they can sit beside other rows' columns. */
export function publicUserColumns(table: string, alias: string): string {
  return [
    `${table}.id::text as ${alias}_id`,
    `${table}.username as ${alias}_username`,
    `${table}.display_name as ${alias}_display_name`,
    `${table}.bio as ${alias}_bio`,
    `${table}.avatar_small as ${alias}_avatar_small`,
    `${table}.avatar_large as ${alias}_avatar_large`,
  ].join(', ');
}

/** The same columns read straight from `users`, without an alias: `select ${USER_COLUMNS} from users`. */
export const USER_COLUMNS = 'id::text as id, username, display_name, bio, avatar_small, avatar_large';

export interface UserColumns {
  id: string;
  /** Null once an account's deletion finished (a tombstone). */
  username: string | null;
  display_name: string | null;
  bio: string | null;
  avatar_small: string | null;
  avatar_large: string | null;
}

export function publicUser(r: UserColumns): PublicUser {
  if (r.username === null) return deletedUser(r.id);
  return {
    id: r.id,
    username: r.username,
    displayName: r.display_name ?? r.username,
    bio: r.bio ?? '',
    avatar: r.avatar_small && r.avatar_large ? { small: mediaUrl(r.avatar_small), large: mediaUrl(r.avatar_large) } : null,
  };
}

/** Reads the `<alias>_...` columns of publicUserColumns back out of a row. */
export function publicUserAs(row: object, alias: string): PublicUser {
  const r = row as Record<string, string | null>;
  return publicUser({
    id: r[`${alias}_id`]!,
    username: r[`${alias}_username`] ?? null,
    display_name: r[`${alias}_display_name`] ?? null,
    bio: r[`${alias}_bio`] ?? null,
    avatar_small: r[`${alias}_avatar_small`] ?? null,
    avatar_large: r[`${alias}_avatar_large`] ?? null,
  });
}

/** The author of what a deleted account left behind (chat messages). */
export function deletedUser(id: string): PublicUser {
  return { id, username: DELETED_USERNAME, displayName: DELETED_USERNAME, bio: '', avatar: null };
}

/** A public user from a fuller one (a Viewer): the public fields only, nothing like isAdmin. */
export function publicFieldsOf(u: PublicUser): PublicUser {
  return { id: u.id, username: u.username, displayName: u.displayName, bio: u.bio, avatar: u.avatar };
}

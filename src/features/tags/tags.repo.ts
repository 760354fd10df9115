// Tags and their links to photos. A photo is linked when it becomes ready (see markReady) and
// unlinked when it is deleted (see deletePhoto) or leaves the walls (trigger photos_untag), so
// photo_tags holds ready photos only and tags.photos_count (trigger photo_tags_count) is their number.
import type { Queryable } from '../../ports/db.js';
import type { Tag } from '../../shared/api.js';
import { parseTags } from './tags.text.js';

/** Links a photo that just became ready to the tags of its caption and counts it in each. Idempotent. */
export async function tagReadyPhoto(q: Queryable, photoId: string, caption: string): Promise<string[]> {
  // Counted by the trigger photo_tags_count (migration 9).
  return linkTags(q, 'insert into photo_tags (photo_id, tag_id)', photoId, caption);
}

/** Links a new comment to the tags of its text (created as needed; no photo is counted). Idempotent. */
export async function tagComment(q: Queryable, commentId: string, text: string): Promise<string[]> {
  return linkTags(q, 'insert into comment_tags (comment_id, tag_id)', commentId, text);
}

/** Creates the text's tags as needed and links them to one row through `insertInto`. */
async function linkTags(q: Queryable, insertInto: string, id: string, text: string): Promise<string[]> {
  // Sorted, so two transactions creating the same tags take their locks in the same order.
  const names = parseTags(text).sort();
  if (names.length === 0) return [];
  await q.query(`insert into tags (name) select unnest($1::text[]) order by 1 on conflict (name) do nothing`, [names]);
  // A statement of its own: it sees tags another transaction created meanwhile.
  await q.query(`${insertInto} select $1::bigint, id from tags where name = any($2::text[]) on conflict do nothing`, [id, names]);
  return names;
}

/**
 * Unlinks a photo about to be deleted and uncounts it; returns its tags' names (empty for a photo
 * that was not ready). Locks the photo first: a photo becoming ready right now commits its links
 * before this reads them, instead of leaving them to the cascade uncounted.
 */
export async function untagPhoto(q: Queryable, photoId: string): Promise<string[]> {
  await q.query(`select 1 from photos where id = $1 for update`, [photoId]);
  // Uncounted by the trigger photo_tags_count (migration 9).
  const rows = await q.query<{ name: string }>(
    `with gone as (delete from photo_tags where photo_id = $1 returning tag_id) select t.name from tags t join gone g on g.tag_id = t.id`,
    [photoId],
  );
  return rows.map((r) => r.name).sort();
}

/** The tags a ready photo is linked to, for the walls it is published on. */
export async function photoTagNames(q: Queryable, photoId: string): Promise<string[]> {
  const rows = await q.query<{ name: string }>(
    `select t.name from photo_tags pt join tags t on t.id = pt.tag_id where pt.photo_id = $1 order by t.name`,
    [photoId],
  );
  return rows.map((r) => r.name);
}

export async function findTag(q: Queryable, name: string): Promise<(Tag & { id: string }) | null> {
  const [row] = await q.query<{ id: string; name: string; photos_count: number }>(`select id, name, photos_count from tags where name = $1`, [name]);
  return row ? { id: row.id, name: row.name, photos: row.photos_count } : null;
}

/** `like` pattern for "starts with `prefix`": `%`, `_` and `\` in it are literal. */
export function prefixPattern(prefix: string): string {
  return prefix.replace(/[\\%_]/g, (c) => `\\${c}`) + '%';
}

/** $1 is the pattern, $2 the limit. Walks tags_prefix_idx over the prefix's range only. */
export const SEARCH_TAGS_SQL = `select name, photos_count from tags where name like $1 and photos_count > 0 order by photos_count desc, name limit $2`;

/** Tags in use starting with `prefix` (normalized already), most photos first. */
export async function searchTags(q: Queryable, prefix: string, limit: number): Promise<Tag[]> {
  const rows = await q.query<{ name: string; photos_count: number }>(SEARCH_TAGS_SQL, [prefixPattern(prefix), limit]);
  return rows.map((r) => ({ name: r.name, photos: r.photos_count }));
}

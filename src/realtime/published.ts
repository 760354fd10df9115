// A message is committed first and published second: between the two, Redis may fail over or the
// instance may die, and the row is stored but never went out live. Each such table keeps a
// `published` flag (migration 014), set once the live event went out; a retry with the same
// clientId that finds it unset publishes then. Two retries racing may both publish: clients show
// an event once per id, so a double is harmless where a loss is not.
import type { Queryable } from '../ports/db.js';

/** The tables whose rows carry a live event; fixed names, never from input. */
export type PublishedTable = 'chat_messages' | 'dm_messages' | 'comments';

/** Rows a moderator took down meanwhile are not published late. */
const STILL_SHOWN: Record<PublishedTable, string> = {
  chat_messages: 'removed_at is null',
  dm_messages: 'true',
  comments: 'true',
};

/** True when there is nothing to publish: it went out already, or it is gone or taken down. */
export async function isPublished(q: Queryable, table: PublishedTable, id: string): Promise<boolean> {
  const [row] = await q.query<{ pending: boolean }>(`select not published and ${STILL_SHOWN[table]} as pending from ${table} where id = $1`, [id]);
  return !(row?.pending ?? false);
}

export async function markPublished(q: Queryable, table: PublishedTable, id: string): Promise<void> {
  await q.query(`update ${table} set published = true where id = $1 and not published`, [id]);
}

/**
 * Runs `publish` for a row that has not gone out yet, then marks it. A publish that throws leaves
 * the mark unset, so the next retry tries again; the error reaches the caller, whose client retries.
 */
export async function publishOnce(q: Queryable, table: PublishedTable, id: string, publish: () => Promise<unknown>, knownUnpublished = false): Promise<void> {
  if (!knownUnpublished && (await isPublished(q, table, id))) return;
  await publish();
  await markPublished(q, table, id);
}

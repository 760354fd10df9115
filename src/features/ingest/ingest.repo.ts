// Ingest sources and the signatures seen lately (migration 012).
import type { Queryable } from '../../ports/db.js';

export interface SourceRow {
  id: string;
  name: string;
  user_id: string;
  username: string;
  secret_enc: string;
  city_slug: string | null;
  created_at: Date;
  rotated_at: Date | null;
}

const SOURCE_SELECT = `select s.id, s.name, s.user_id, u.username, s.secret_enc, c.slug as city_slug, s.created_at, s.rotated_at
  from ingest_sources s join users u on u.id = s.user_id left join cities c on c.id = s.city_id`;

/** A live source (not removed, its account not deleted). */
export async function findSource(q: Queryable, name: string): Promise<SourceRow | null> {
  const [row] = await q.query<SourceRow>(`${SOURCE_SELECT} where s.name = $1 and s.removed_at is null and u.deleted_at is null`, [name]);
  return row ?? null;
}

export async function listSources(q: Queryable): Promise<SourceRow[]> {
  return q.query<SourceRow>(`${SOURCE_SELECT} where s.removed_at is null order by s.name limit 1000`);
}

export async function insertSource(q: Queryable, s: { name: string; userId: string; secretEnc: string; cityId: number | null }): Promise<boolean> {
  const rows = await q.query(
    `insert into ingest_sources (name, user_id, secret_enc, city_id) values ($1, $2, $3, $4)
     on conflict (name) do update set user_id = excluded.user_id, secret_enc = excluded.secret_enc, city_id = excluded.city_id,
       created_at = now(), rotated_at = null, removed_at = null
     where ingest_sources.removed_at is not null
     returning 1`,
    [s.name, s.userId, s.secretEnc, s.cityId],
  );
  return rows.length > 0;
}

export async function rotateSource(q: Queryable, name: string, secretEnc: string): Promise<boolean> {
  const rows = await q.query(`update ingest_sources set secret_enc = $2, rotated_at = now() where name = $1 and removed_at is null returning 1`, [name, secretEnc]);
  return rows.length > 0;
}

export async function removeSource(q: Queryable, name: string): Promise<boolean> {
  const rows = await q.query(`update ingest_sources set removed_at = now() where name = $1 and removed_at is null returning 1`, [name]);
  return rows.length > 0;
}

/**
 * Records a signature; false when it was seen already (a replay). Signatures older than the
 * window are forgotten here too, a few at a time, so the table stays small without a timer.
 */
export async function markSeen(q: Queryable, signatureHex: string, windowMs: number): Promise<boolean> {
  await q.query(
    `delete from ingest_seen where signature in (select signature from ingest_seen where seen_at < now() - make_interval(secs => $1) limit 100)`,
    [(2 * windowMs) / 1000],
  );
  const rows = await q.query(`insert into ingest_seen (signature) values ($1) on conflict (signature) do nothing returning 1`, [signatureHex]);
  return rows.length > 0;
}

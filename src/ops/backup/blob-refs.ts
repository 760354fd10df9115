// The columns that hold blob keys, and so the files a snapshot needs. The same columns decide what
// blobs.purge may delete (photos.repo.ts unreferencedKeys), plus data exports; a migration that adds
// a column holding keys adds it here too (test/medium/backup-format.test.ts checks that every
// key-shaped value of a populated database is covered).
import { isBlobKey } from '../../ports/blobs.js';
import type { Queryable } from '../../ports/db.js';
import type { StoreName } from './format.js';
import { ident, ROW_FILTERS, type Table } from './schema.js';

export const BLOB_COLUMNS: readonly { table: string; column: string; store: StoreName }[] = [
  { table: 'photos', column: 'display_key', store: 'media' },
  { table: 'photos', column: 'thumb_key', store: 'media' },
  { table: 'users', column: 'avatar_small', store: 'media' },
  { table: 'users', column: 'avatar_large', store: 'media' },
  // Originals still waiting for their job: a restore hands them to the job again.
  { table: 'photos', column: 'upload_key', store: 'uploads' },
  { table: 'users', column: 'avatar_upload', store: 'uploads' },
  { table: 'account_exports', column: 'blob_key', store: 'uploads' },
];

/**
 * Files that only a job names so far: a resizer's reply waiting in the jobs table names variants it
 * has written but no photo refers to yet. Jobs a backup keeps (schema.ts ROW_FILTERS) run again
 * after a restore, so the files they name come along.
 */
export const JOB_BLOB_PATHS: readonly { job: string; path: string[]; store: StoreName }[] = [
  { job: 'photo.resized', path: ['variants', 'display', 'key'], store: 'media' },
  { job: 'photo.resized', path: ['variants', 'thumb', 'key'], store: 'media' },
];

export interface BlobRef {
  store: StoreName;
  key: string;
}

/** The blobs the rows refer to, as this transaction sees them; columns this schema lacks are skipped. */
export async function referencedBlobs(q: Queryable, tables: readonly Table[]): Promise<BlobRef[]> {
  const present = BLOB_COLUMNS.filter((c) => tables.find((t) => t.name === c.table)?.columns.some((col) => col.name === c.column));
  const fromColumns = present.map((c) => `select '${c.store}' as store, ${ident(c.column)} as key from ${ident(c.table)} where ${ident(c.column)} is not null`);
  const jobFilter = ROW_FILTERS.jobs ?? 'true';
  const fromJobs = tables.some((t) => t.name === 'jobs')
    ? JOB_BLOB_PATHS.map(
        (j) => `select '${j.store}' as store, payload #>> '{${j.path.join(',')}}' as key from jobs where name = '${j.job}' and (${jobFilter}) and payload #>> '{${j.path.join(',')}}' is not null`,
      )
    : [];
  if (fromColumns.length + fromJobs.length === 0) return [];
  const rows = await q.query<{ store: StoreName; key: string }>([...fromColumns, ...fromJobs].join(' union '));
  // A value that is not a content address is not a file Strobe wrote: it cannot be read (or restored) by key.
  return rows.filter((r) => isBlobKey(r.key)).sort((a, b) => (a.store + a.key < b.store + b.key ? -1 : 1));
}

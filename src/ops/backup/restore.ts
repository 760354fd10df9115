// Restores a backup into an empty Strobe: all of it or nothing.
//
//   1. the target is checked: no accounts, and a schema no newer than the backup's;
//   2. the whole archive is read and checked against its manifest (sizes, SHA-256, every entry
//      present) before anything is written, the tables spooled to a scratch folder;
//   3. the files go into the blob stores (those already there are left alone); listing-only backups
//      are checked to be in the bucket already;
//   4. one transaction: the backup's migrations, the rows in foreign-key order, sequences, the
//      remaining migrations, and the work that was under way started again (resume.ts);
//   5. embedded: the session secret file.
//
// A failure in 3 or 4 removes the files 3 added, and the transaction leaves the database as it was.
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, mkdtemp, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { pipeline } from 'node:stream/promises';
import tar from 'tar-stream';
import { migrate } from '../../adapters/db/migrate.js';
import { migrations } from '../../adapters/db/migrations/index.js';
import type { BlobStore } from '../../ports/blobs.js';
import type { Db, Queryable } from '../../ports/db.js';
import {
  BackupFormatError,
  blobEntryName,
  checkHeader,
  checkManifest,
  parseEntryName,
  secretFingerprint,
  type BlobEntry,
  type Header,
  type Manifest,
  type StoreName,
} from './format.js';
import { resumeWork, type Resumed } from './resume.js';
import { ident, PARTIAL_TABLES, planLoad, readTables, schemaVersion, type Table } from './schema.js';

const INSERT_BATCH_ROWS = 500;
const INSERT_BATCH_BYTES = 4 * 1024 * 1024;
const SMALL_ENTRY_LIMIT = 64 * 1024 * 1024;

export interface RestoreTarget {
  /** Opened without migrating: the restore migrates, to the backup's version first. */
  db: Db;
  media: BlobStore;
  uploads: BlobStore;
  mode: 'embedded' | 'cluster';
  /** SESSION_SECRET when set. */
  sessionSecret: string | undefined;
  /** Embedded mode without SESSION_SECRET: the generated secret file, written from the backup's. */
  secretFile?: { path: string; current: string | undefined } | undefined;
  scratchDir: string;
  log?: (line: string) => void;
}

export interface RestoreReport {
  header: Header;
  snapshotAt: string;
  rows: Record<string, number>;
  blobs: { added: number; present: number; bytes: number; missingInBackup: number };
  resumed: Resumed['jobs'];
  schema: { from: number; to: number };
  secretRestored: boolean;
  warnings: string[];
}

/** The target cannot take this backup (it is not empty, it is newer, the bucket lacks files). Nothing was changed. */
export class RestoreRefused extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RestoreRefused';
  }
}

export async function restoreBackup(file: string, target: RestoreTarget): Promise<RestoreReport> {
  const log = target.log ?? (() => {});
  const latest = Math.max(...migrations.map((m) => m.version));
  await checkTarget(target.db, undefined);
  const scratch = await mkdtemp(join(target.scratchDir, 'restore-'));
  const added: { store: BlobStore; key: string }[] = [];
  try {
    log('checking the archive');
    const { header, manifest, secret } = await readAndCheck(file, scratch, (h) => checkTarget(target.db, h));
    const warnings: string[] = [];
    if (manifest.missingBlobs.length > 0) warnings.push(`${manifest.missingBlobs.length} file(s) were already missing from the store when the backup was taken; the photos or avatars that use them show no image`);

    const blobs = { added: 0, present: 0, bytes: 0, missingInBackup: manifest.missingBlobs.length };
    const store = (name: StoreName) => (name === 'media' ? target.media : target.uploads);
    if (header.files === 'listing') {
      const absent: BlobEntry[] = [];
      for (const b of manifest.blobs) if (!(await store(b.store).stat(b.key))) absent.push(b);
      if (absent.length > 0) {
        throw new RestoreRefused(`the backup names its files without holding them (--s3-listing), and ${absent.length} of ${manifest.blobs.length} are not in the target's store (first: ${absent[0]!.store}/${absent[0]!.key}): restore the bucket first`);
      }
      blobs.present = manifest.blobs.length;
    } else {
      log(`copying ${manifest.blobs.length} file(s) into the blob stores`);
      await copyBlobsIn(file, manifest, scratch, store, added, blobs);
    }

    log('loading the database');
    const { rows, resumed, from } = await target.db.tx(async (q) => {
      const asDb: Db = { ...q, tx: (fn) => fn(q), ping: async () => {}, close: async () => {} };
      const from = Math.max(0, ...(await schemaVersion(q)));
      await migrate(asDb, migrations.filter((m) => header.migrations.includes(m.version)));
      await q.query('lock table users in access exclusive mode');
      await refuseNonEmpty(q);
      const rows = await loadTables(q, manifest, scratch);
      await migrate(asDb);
      const resumed = await resumeWork(q, target);
      return { rows, resumed, from };
    });
    added.length = 0; // committed: the files are the restored database's now

    let secretRestored = false;
    const sealed = (rows.ingest_sources ?? 0) + (rows.webhook_endpoints ?? 0);
    if (secret !== undefined && target.secretFile && target.sessionSecret === undefined) {
      await writeSecret(target.secretFile.path, secret);
      secretRestored = true;
    } else if (sealed > 0) {
      const current = target.sessionSecret ?? target.secretFile?.current;
      if (manifest.secretFingerprint !== secretFingerprint(current)) {
        warnings.push(`${sealed} ingest source(s) and webhook endpoint(s) were sealed under another SESSION_SECRET: set SESSION_SECRET to the one the backed-up Strobe used, or rotate them (strobe ingest rotate <name>; re-create the webhooks)`);
      }
    }
    return { header, snapshotAt: manifest.snapshotAt, rows, blobs, resumed: resumed.jobs, schema: { from, to: latest }, secretRestored, warnings };
  } catch (err) {
    for (const { store, key } of added) await store.delete(key).catch(() => {});
    throw err;
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}

/** Refuses a target with accounts, or one migrated past the backup (its rows would skip the migrations in between). */
async function checkTarget(db: Queryable, header: Header | undefined): Promise<void> {
  const versions = await schemaVersion(db);
  if (versions.length > 0) await refuseNonEmpty(db);
  if (header && versions.length > 0 && Math.max(...versions) > header.schemaVersion) {
    throw new RestoreRefused(
      `the target database is already at schema version ${Math.max(...versions)}, newer than the backup's (${header.schemaVersion}): restore into a new, empty database (createdb) or an empty DATA_DIR, so the backup's rows go through the migrations in between`,
    );
  }
}

async function refuseNonEmpty(q: Queryable): Promise<void> {
  const [row] = await q.query<{ t: string | null }>(`select to_regclass('users')::text as t`);
  if (!row?.t) return;
  const [any] = await q.query<{ n: number }>('select count(*)::int as n from users');
  if (any!.n > 0) {
    throw new RestoreRefused(`the target is not empty: it has ${any!.n} account(s). Restore into a new, empty database (createdb) or an empty DATA_DIR; nothing was changed`);
  }
}

interface Checked {
  header: Header;
  manifest: Manifest;
  secret: string | undefined;
}

/**
 * Reads the whole archive once: the header first (a wrong file or version is refused before the
 * rest is read), every entry hashed, the tables spooled to `scratch`, and all of it checked against
 * the manifest. Nothing outside `scratch` is written.
 */
async function readAndCheck(file: string, scratch: string, onHeader: (h: Header) => Promise<void>): Promise<Checked> {
  let header: Header | undefined;
  let manifestRaw: Buffer | undefined;
  let secret: Buffer | undefined;
  const tables = new Map<string, { bytes: number; sha256: string }>();
  const blobs = new Map<string, { size: number; sha256: string }>();
  await mkdir(join(scratch, 'tables'));
  await readEntries(file, async (name, entry) => {
    const kind = parseEntryName(name);
    if (!header) {
      if (kind?.kind !== 'header') throw new BackupFormatError('this is not a Strobe backup (it does not start with a Strobe backup header)');
      header = checkHeader(parseJson(await readSmall(entry, name), name), migrations.map((m) => m.version));
      await onHeader(header);
      return;
    }
    if (!kind || kind.kind === 'header') throw new BackupFormatError(`the archive holds an entry no Strobe backup has: ${JSON.stringify(name.slice(0, 120))}`);
    if (manifestRaw) throw new BackupFormatError('the archive goes on after its manifest');
    if (kind.kind === 'manifest') manifestRaw = await readSmall(entry, name);
    else if (kind.kind === 'secret') secret = await readSmall(entry, name);
    else if (kind.kind === 'table') {
      if (tables.has(kind.table)) throw new BackupFormatError(`the archive holds the table ${kind.table} twice`);
      tables.set(kind.table, await hashTo(entry, join(scratch, 'tables', `${kind.table}.ndjson`)));
    } else {
      const h = await hashTo(entry, null);
      blobs.set(`${kind.store}/${kind.key}`, { size: h.bytes, sha256: h.sha256 });
    }
  });
  if (!header) throw new BackupFormatError('the file is empty: it is not a Strobe backup');
  if (!manifestRaw) throw new BackupFormatError('the archive has no manifest: it is truncated (a backup that did not finish, or a partial copy)');
  const manifest = checkManifest(parseJson(manifestRaw, 'manifest.json'), header);

  for (const t of manifest.tables) {
    const got = tables.get(t.name);
    if (!got) throw new BackupFormatError(`the archive lacks the table ${t.name} its manifest lists`);
    if (got.bytes !== t.bytes || got.sha256 !== t.sha256) throw new BackupFormatError(`the table ${t.name} in the archive does not match its checksum: the file is damaged`);
    tables.delete(t.name);
  }
  if (tables.size > 0) throw new BackupFormatError(`the archive holds tables its manifest does not list: ${[...tables.keys()].join(', ')}`);
  if (header.files === 'included') {
    for (const b of manifest.blobs) {
      const got = blobs.get(`${b.store}/${b.key}`);
      if (!got) throw new BackupFormatError(`the archive lacks the file ${blobEntryName(b.store, b.key)} its manifest lists`);
      if (got.size !== b.size || got.sha256 !== b.sha256) throw new BackupFormatError(`the file ${blobEntryName(b.store, b.key)} in the archive does not match its checksum: the archive is damaged`);
    }
  }
  if (manifest.secret || secret) {
    if (!manifest.secret || !secret || secret.length !== manifest.secret.bytes || sha(secret) !== manifest.secret.sha256) {
      throw new BackupFormatError('the session secret in the archive does not match its manifest: the archive is damaged');
    }
  }
  return { header, manifest, secret: secret?.toString('utf8') };
}

/** Streams the archive's entries to `onEntry` in order; a truncated or malformed tar is a BackupFormatError. */
async function readEntries(file: string, onEntry: (name: string, entry: NodeJS.ReadableStream & AsyncIterable<Buffer>) => Promise<void>): Promise<void> {
  const extract = tar.extract();
  const input = createReadStream(file);
  const feeding = pipeline(input, extract).catch((err: unknown) => {
    throw archiveError(err);
  });
  feeding.catch(() => {}); // awaited below
  try {
    for await (const entry of extract) {
      if (entry.header.type !== 'file') throw new BackupFormatError(`the archive holds a ${entry.header.type ?? 'strange'} entry (${JSON.stringify(entry.header.name.slice(0, 120))}); a Strobe backup holds files only`);
      await onEntry(entry.header.name, entry);
      entry.resume(); // whatever onEntry left unread
    }
  } catch (err) {
    input.destroy();
    await feeding.catch(() => {});
    throw archiveError(err);
  }
  await feeding;
}

function archiveError(err: unknown): Error {
  if (err instanceof BackupFormatError || err instanceof RestoreRefused) return err;
  const e = err as NodeJS.ErrnoException;
  if (e.code === 'ENOENT') return new RestoreRefused(`no such file: ${e.path ?? ''}`);
  if (e.code === 'EACCES' || e.code === 'EISDIR') return new RestoreRefused(`cannot read the backup: ${e.message}`);
  if (e.code && /^E[A-Z]+$/.test(e.code) && e.syscall) return err as Error;
  // tar-stream's own complaints: a header that is not tar, an end in the middle of an entry.
  return new BackupFormatError(`the archive is truncated or is not a tar file (${e.message})`);
}

async function readSmall(entry: AsyncIterable<Buffer>, name: string): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of entry) {
    size += chunk.length;
    if (size > SMALL_ENTRY_LIMIT) throw new BackupFormatError(`${name} in the archive is too large to be a Strobe backup's`);
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

function parseJson(data: Buffer, name: string): unknown {
  try {
    return JSON.parse(data.toString('utf8'));
  } catch {
    throw new BackupFormatError(`${name} in the archive is not valid JSON: the archive is damaged`);
  }
}

async function hashTo(entry: AsyncIterable<Buffer>, path: string | null): Promise<{ bytes: number; sha256: string }> {
  const hash = createHash('sha256');
  let bytes = 0;
  const out = path ? createWriteStream(path) : null;
  try {
    for await (const chunk of entry) {
      hash.update(chunk);
      bytes += chunk.length;
      if (out && !out.write(chunk)) await new Promise<void>((resolve) => out.once('drain', () => resolve()));
    }
  } finally {
    if (out) await new Promise<void>((resolve, reject) => out.end((err?: Error | null) => (err ? reject(err) : resolve())));
  }
  return { bytes, sha256: hash.digest('hex') };
}

/** Second read: the files the manifest lists go into the stores (checked again: the file may have changed since). */
async function copyBlobsIn(
  file: string,
  manifest: Manifest,
  scratch: string,
  store: (name: StoreName) => BlobStore,
  added: { store: BlobStore; key: string }[],
  counts: RestoreReport['blobs'],
): Promise<void> {
  const wanted = new Map(manifest.blobs.map((b) => [blobEntryName(b.store, b.key), b]));
  await readEntries(file, async (name, entry) => {
    const b = wanted.get(name);
    if (!b) return;
    wanted.delete(name);
    const target = store(b.store);
    if (await target.stat(b.key)) {
      counts.present++;
      return;
    }
    const path = join(scratch, `blob-${randomBytes(8).toString('hex')}`);
    try {
      const h = await hashTo(entry, path);
      if (h.sha256 !== b.sha256) throw new BackupFormatError(`the file ${name} changed while it was being restored`);
      await target.put(b.key, { path });
      added.push({ store: target, key: b.key });
      counts.added++;
      counts.bytes += h.bytes;
    } finally {
      await rm(path, { force: true });
    }
  });
  if (wanted.size > 0) throw new BackupFormatError('the archive changed while it was being restored');
}

/** Every table the backup holds, in an order the foreign keys allow, with triggers off (the counts they keep are in the rows already). */
async function loadTables(q: Queryable, manifest: Manifest, scratch: string): Promise<Record<string, number>> {
  const catalog = new Map((await readTables(q)).map((t) => [t.name, t]));
  const tables: Table[] = [];
  for (const entry of manifest.tables) {
    const table = catalog.get(entry.name);
    if (!table) throw new BackupFormatError(`the backup holds a table (${entry.name}) that its schema version does not have`);
    const unknown = entry.columns.filter((c) => !table.columns.some((col) => col.name === c));
    if (unknown.length > 0) throw new BackupFormatError(`the backup's table ${entry.name} has columns its schema version does not have: ${unknown.join(', ')}`);
    tables.push(table);
  }
  const plan = planLoad(tables);
  const names = tables.map((t) => ident(t.name));
  for (const name of names) await q.query(`alter table ${name} disable trigger user`);
  const replaced = tables.filter((t) => !(t.name in PARTIAL_TABLES)).map((t) => ident(t.name));
  if (replaced.length > 0) await q.query(`truncate ${replaced.join(', ')} cascade`);

  const rows: Record<string, number> = {};
  const later: { table: Table; columns: string[]; values: Record<string, unknown>[] }[] = [];
  for (const name of plan.order) {
    const table = catalog.get(name)!;
    const entry = manifest.tables.find((t) => t.name === name)!;
    const deferred = plan.deferred.get(name) ?? [];
    const values: Record<string, unknown>[] = [];
    const cols = entry.columns.map(ident).join(', ');
    const upsert =
      name in PARTIAL_TABLES
        ? ` on conflict (${table.primaryKey.map(ident).join(', ')}) do update set ${entry.columns.filter((c) => !table.primaryKey.includes(c)).map((c) => `${ident(c)} = excluded.${ident(c)}`).join(', ')}`
        : '';
    const insert = `insert into ${ident(name)} (${cols}) overriding system value select ${cols} from json_populate_recordset(null::${ident(name)}, $1::json)${upsert}`;
    let batch: string[] = [];
    let size = 0;
    let count = 0;
    const flush = async () => {
      if (batch.length === 0) return;
      await q.query(insert, [`[${batch.join(',')}]`]);
      batch = [];
      size = 0;
    };
    const lines = createInterface({ input: createReadStream(join(scratch, 'tables', `${name}.ndjson`)), crlfDelay: Infinity });
    for await (let line of lines) {
      if (line === '') continue;
      if (deferred.length > 0) {
        const row = parseRow(line, name);
        if (deferred.some((c) => row[c] !== null && row[c] !== undefined)) {
          values.push(Object.fromEntries([...table.primaryKey, ...deferred].map((c) => [c, row[c]])));
          for (const c of deferred) row[c] = null;
          line = JSON.stringify(row);
        }
      }
      batch.push(line);
      size += line.length;
      count++;
      if (batch.length >= INSERT_BATCH_ROWS || size >= INSERT_BATCH_BYTES) await flush();
    }
    await flush();
    if (count !== entry.rows) throw new BackupFormatError(`the table ${name} holds ${count} rows and its manifest says ${entry.rows}`);
    rows[name] = count;
    if (values.length > 0) later.push({ table, columns: deferred, values });
  }
  // The references that closed a cycle, now that every row they point at is in.
  for (const { table, columns, values } of later) {
    const match = table.primaryKey.map((c) => `t.${ident(c)} = v.${ident(c)}`).join(' and ');
    const set = columns.map((c) => `${ident(c)} = v.${ident(c)}`).join(', ');
    for (let i = 0; i < values.length; i += INSERT_BATCH_ROWS) {
      await q.query(`update ${ident(table.name)} t set ${set} from json_populate_recordset(null::${ident(table.name)}, $1::json) v where ${match}`, [JSON.stringify(values.slice(i, i + INSERT_BATCH_ROWS))]);
    }
  }
  // Ids the old database handed out are never handed out again, even those of rows deleted before the backup.
  for (const s of manifest.sequences) {
    if (!catalog.get(s.table)?.columns.some((c) => c.name === s.column)) continue;
    await q.query(
      `select case when v >= 1 then setval(seq, v, true) else setval(seq, 1, false) end
       from (select pg_get_serial_sequence($1, $2) as seq,
                    greatest($3::bigint, (select coalesce(max(${ident(s.column)}), 0) from ${ident(s.table)})::bigint) as v) x
       where seq is not null`,
      [ident(s.table), s.column, s.value],
    );
  }
  for (const name of names) await q.query(`alter table ${name} enable trigger user`);
  return rows;
}

function parseRow(line: string, table: string): Record<string, unknown> {
  try {
    const row = JSON.parse(line) as unknown;
    if (row && typeof row === 'object' && !Array.isArray(row)) return row as Record<string, unknown>;
  } catch {
    // below
  }
  throw new BackupFormatError(`a row of the table ${table} is not a JSON object: the archive is damaged`);
}

/** Whole or not at all, readable by its owner only, like the one the app generates (adapters/index.ts). */
async function writeSecret(path: string, secret: string): Promise<void> {
  const tmp = `${path}.${process.pid}.tmp`;
  try {
    await writeFile(tmp, secret, { mode: 0o600, flush: true });
    await rename(tmp, path);
  } finally {
    await rm(tmp, { force: true });
  }
}

function sha(data: Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}

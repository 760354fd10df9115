// Writes a backup while the app runs. The rows come from one REPEATABLE READ transaction, so they
// are one consistent moment whatever the app writes meanwhile. The files that moment refers to are
// copied afterwards, outside it: files are written before the rows that refer to them commit and
// deleted (blobs.purge) only after the rows stop referring to them, so every file the snapshot
// needs exists when it is taken, but one can be purged before it is copied (an original, once its
// photo is processed). Then the backup takes a new snapshot and copies only the files it adds, a
// window of milliseconds rather than of the whole copy, until a snapshot finds every file it needs.
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, mkdtemp, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { Writable } from 'node:stream';
import tar from 'tar-stream';
import { migrations } from '../../adapters/db/migrations/index.js';
import type { BlobStore } from '../../ports/blobs.js';
import type { Db, Queryable } from '../../ports/db.js';
import { referencedBlobs, type BlobRef } from './blob-refs.js';
import {
  blobEntryName,
  FORMAT,
  FORMAT_VERSION,
  HEADER_ENTRY,
  MANIFEST_ENTRY,
  SECRET_ENTRY,
  secretFingerprint,
  strobeVersion,
  tableEntryName,
  type BlobEntry,
  type Header,
  type Manifest,
  type StoreName,
  type TableEntry,
} from './format.js';
import { EXCLUDED_TABLES, ident, PARTIAL_TABLES, readSequences, readTables, ROW_FILTERS, schemaVersion } from './schema.js';

/** Snapshots taken before giving up on files that keep disappearing (each one is fast after the first). */
const MAX_SNAPSHOTS = 5;
const FETCH_ROWS = 1_000;
/** Files read from the store at once (S3 answers each after a round trip). */
const BLOB_CONCURRENCY = 6;

export interface BackupSource {
  db: Db;
  media: BlobStore;
  uploads: BlobStore;
  mode: 'embedded' | 'cluster';
  /** Only name the files (with sizes) instead of including them: the bucket is backed up on its own. */
  listing: boolean;
  /** The SESSION_SECRET in use, for the manifest's fingerprint. */
  sessionSecret: string | undefined;
  /** Embedded mode's generated secret file, included so sealed ingest and webhook secrets still open after a restore. */
  secretFile?: string | undefined;
  /** Where snapshots are spooled before they go into the archive (removed afterwards). */
  scratchDir: string;
  log?: (line: string) => void;
}

export interface BackupReport {
  schemaVersion: number;
  snapshotAt: string;
  snapshots: number;
  rows: Record<string, number>;
  blobs: { count: number; bytes: number; listed: boolean; missing: number };
  /** Bytes written to the archive. */
  bytes: number;
}

export class BackupError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'BackupError';
  }
}

interface Snapshot {
  dir: string;
  at: string;
  versions: number[];
  tables: TableEntry[];
  sequences: Manifest['sequences'];
  refs: BlobRef[];
}

/** Writes the archive to `out` (and ends it). Rejects, leaving `out` unfinished, when anything fails. */
export async function writeBackup(source: BackupSource, out: Writable): Promise<BackupReport> {
  const log = source.log ?? (() => {});
  const known = migrations.map((m) => m.version);
  const versions = await schemaVersion(source.db);
  if (versions.length === 0) throw new BackupError('the database has no Strobe schema: there is nothing to back up');
  const version = Math.max(...versions);
  const [gate] = await source.db.query<{ t: string | null }>(`select to_regclass('blob_purge_gate')::text as t`);
  const gated = Boolean(gate?.t);
  if (version > Math.max(...known)) {
    throw new BackupError(`the database's schema (version ${version}) is newer than this Strobe knows (${Math.max(...known)}): back it up with the Strobe version that runs it`);
  }
  const header: Header = {
    format: FORMAT,
    formatVersion: FORMAT_VERSION,
    strobeVersion: strobeVersion(),
    schemaVersion: version,
    migrations: versions,
    mode: source.mode,
    files: source.listing ? 'listing' : 'included',
    createdAt: new Date().toISOString(),
  };

  const pack = tar.pack();
  let written = 0;
  const counted = pack.on('data', (chunk: Buffer) => (written += chunk.length));
  const piped = pipeline(counted, out);
  piped.catch(() => {}); // awaited below; an early failure must not be unhandled meanwhile
  const scratch = await mkdtemp(join(source.scratchDir, 'backup-'));
  let snapshot: Snapshot | undefined;
  try {
    await addBuffer(pack, HEADER_ENTRY, Buffer.from(JSON.stringify(header, null, 2)));
    const copied = new Map<string, BlobEntry>();
    let missingBefore = new Set<string>();
    let missing: BlobRef[] = [];
    let snapshots = 0;
    for (let n = 1; ; n++) {
      snapshots = n;
      if (snapshot) await rm(snapshot.dir, { recursive: true, force: true });
      let missingOriginals: BlobRef[] = [];
      snapshot = await takeSnapshot(source.db, join(scratch, `snapshot-${n}`), versions, gated, async (refs) => {
        // Originals waiting for their job go as soon as it is done: copied while purges wait.
        const originals = refs.filter((r) => r.store === 'uploads' && !copied.has(`${r.store}/${r.key}`));
        missingOriginals = await copyBlobs(source, pack, originals, copied, scratch);
      });
      const wanted = snapshot.refs.filter((r) => !copied.has(`${r.store}/${r.key}`) && r.store !== 'uploads');
      missing = [...missingOriginals, ...(await copyBlobs(source, pack, wanted, copied, scratch))];
      const fresh = missing.filter((r) => !missingBefore.has(`${r.store}/${r.key}`));
      if (missing.length === 0) break;
      if (fresh.length === 0 || n >= MAX_SNAPSHOTS) {
        // Still referenced and still absent: the store lost them before this backup began.
        log(`warning: ${missing.length} file(s) the database refers to are not in the store (first: ${missing[0]!.store}/${missing[0]!.key}); the backup records them as missing`);
        break;
      }
      log(`${missing.length} file(s) were deleted after snapshot ${n} was taken (the app moved on); taking another`);
      missingBefore = new Set(missing.map((r) => `${r.store}/${r.key}`));
    }

    if (source.secretFile !== undefined) await addBuffer(pack, SECRET_ENTRY, Buffer.from(source.secretFile));
    for (const table of snapshot.tables) await addFile(pack, tableEntryName(table.name), join(snapshot.dir, `${table.name}.ndjson`), table.bytes);
    const missingKeys = new Set(missing.map((r) => `${r.store}/${r.key}`));
    const blobs = snapshot.refs.filter((r) => !missingKeys.has(`${r.store}/${r.key}`)).map((r) => copied.get(`${r.store}/${r.key}`)!);
    const manifest: Manifest = {
      ...header,
      snapshotAt: snapshot.at,
      tables: snapshot.tables,
      sequences: snapshot.sequences,
      blobs,
      missingBlobs: missing,
      ...(source.secretFile !== undefined ? { secret: { bytes: Buffer.byteLength(source.secretFile), sha256: sha256(Buffer.from(source.secretFile)) } } : {}),
      secretFingerprint: secretFingerprint(source.sessionSecret),
    };
    await addBuffer(pack, MANIFEST_ENTRY, Buffer.from(JSON.stringify(manifest)));
    pack.finalize();
    await piped;
    return {
      schemaVersion: version,
      snapshotAt: snapshot.at,
      snapshots,
      rows: Object.fromEntries(snapshot.tables.map((t) => [t.name, t.rows])),
      blobs: { count: blobs.length, bytes: blobs.reduce((s, b) => s + b.size, 0), listed: source.listing, missing: missing.length },
      bytes: written,
    };
  } catch (err) {
    pack.destroy(err as Error);
    await piped.catch(() => {});
    throw err;
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}

/**
 * One consistent moment: every table's rows, the files they refer to and the sequences, read in one
 * read-only REPEATABLE READ transaction (on PostgreSQL it blocks no writer; PGlite is one connection,
 * so the embedded app waits for the read, about a second per 100,000 rows).
 */
/**
 * One REPEATABLE READ snapshot of every table, dumped to `dir`. With `gated` (the schema has
 * blob_purge_gate), purges wait from before the snapshot until the transaction ends, and
 * `whileGated` copies the files that only a purge could take away meanwhile.
 */
async function takeSnapshot(db: Db, dir: string, versions: number[], gated: boolean, whileGated: (refs: BlobRef[]) => Promise<void>): Promise<Snapshot> {
  await mkdir(dir, { recursive: true });
  return db.tx(async (q) => {
    await q.query('set transaction isolation level repeatable read, read only');
    // LOCK takes no snapshot: the snapshot comes with the first query below, once in-flight purges
    // have committed, so every file it refers to is still in its store.
    if (gated) await q.query('lock table blob_purge_gate in row exclusive mode');
    const [{ at }] = (await q.query<{ at: Date }>('select now() as at')) as [{ at: Date }];
    if ((await schemaVersion(q)).join() !== versions.join()) throw new BackupError('the database schema changed (a migration ran) during the backup: run it again');
    const tables = (await readTables(q)).filter((t) => !EXCLUDED_TABLES.has(t.name));
    const refs = await referencedBlobs(q, tables);
    await whileGated(refs);
    const sequences: Manifest['sequences'] = [];
    for (const s of await readSequences(q)) {
      if (EXCLUDED_TABLES.has(s.table)) continue;
      const [row] = await q.query<{ value: string }>(`select (case when is_called then last_value else last_value - 1 end)::text as value from ${s.sequence}`);
      sequences.push({ table: s.table, column: s.column, value: row!.value });
    }
    const entries: TableEntry[] = [];
    for (const table of tables) {
      const columns = table.columns.map((c) => c.name);
      const filter = ROW_FILTERS[table.name] ?? PARTIAL_TABLES[table.name];
      const order = table.primaryKey.length > 0 ? ` order by ${table.primaryKey.map(ident).join(', ')}` : '';
      const select = `select ${columns.map(ident).join(', ')} from ${ident(table.name)}${filter ? ` where ${filter}` : ''}${order}`;
      entries.push({ name: table.name, columns, ...(await dumpRows(q, select, join(dir, `${table.name}.ndjson`))) });
    }
    return { dir, at: at.toISOString(), versions, tables: entries, sequences, refs };
  });
}

/** Streams a query's rows, one JSON object a line, through a cursor: a big table never sits in memory whole. */
async function dumpRows(q: Queryable, select: string, file: string): Promise<{ rows: number; bytes: number; sha256: string }> {
  const out = createWriteStream(file);
  const hash = createHash('sha256');
  let rows = 0;
  let bytes = 0;
  try {
    await q.query(`declare strobe_backup no scroll cursor for select row_to_json(r)::text as j from (${select}) r`);
    for (;;) {
      const batch = await q.query<{ j: string }>(`fetch ${FETCH_ROWS} from strobe_backup`);
      if (batch.length === 0) break;
      const chunk = Buffer.from(batch.map((r) => r.j + '\n').join(''));
      hash.update(chunk);
      rows += batch.length;
      bytes += chunk.length;
      if (!out.write(chunk)) await new Promise<void>((resolve) => out.once('drain', () => resolve()));
    }
    await q.query('close strobe_backup');
  } finally {
    await new Promise<void>((resolve, reject) => out.end((err?: Error | null) => (err ? reject(err) : resolve())));
  }
  return { rows, bytes, sha256: hash.digest('hex') };
}

/**
 * Copies (or, for a listing, looks up) the files, a few at a time: each is spooled to a scratch file
 * first, so a store that fails halfway through a file never leaves half an entry in the archive.
 * Returns the ones the store no longer has.
 */
async function copyBlobs(source: BackupSource, pack: tar.Pack, refs: BlobRef[], copied: Map<string, BlobEntry>, scratch: string): Promise<BlobRef[]> {
  const missing: BlobRef[] = [];
  let appending = Promise.resolve();
  let next = 0;
  const store = (name: StoreName) => (name === 'media' ? source.media : source.uploads);
  const worker = async () => {
    while (next < refs.length) {
      const ref = refs[next++]!;
      if (source.listing) {
        const info = await store(ref.store).stat(ref.key);
        if (info) copied.set(`${ref.store}/${ref.key}`, { store: ref.store, key: ref.key, size: info.size });
        else missing.push(ref);
        continue;
      }
      const blob = await store(ref.store).get(ref.key);
      if (!blob) {
        missing.push(ref);
        continue;
      }
      const file = join(scratch, `blob-${randomBytes(8).toString('hex')}`);
      const hash = createHash('sha256');
      try {
        await pipeline(blob.body, async function* (chunks: AsyncIterable<Buffer>) {
          for await (const chunk of chunks) {
            hash.update(chunk);
            yield chunk;
          }
        }, createWriteStream(file));
      } catch (err) {
        await rm(file, { force: true });
        // The file went between the look-up and the read (a purge on the filesystem store).
        if ((err as NodeJS.ErrnoException).code === 'ENOENT') {
          missing.push(ref);
          continue;
        }
        throw err;
      }
      const { size } = await stat(file);
      const append = appending.then(() => addFile(pack, blobEntryName(ref.store, ref.key), file, size)).finally(() => rm(file, { force: true }));
      appending = append;
      await append;
      copied.set(`${ref.store}/${ref.key}`, { store: ref.store, key: ref.key, size, sha256: hash.digest('hex') });
    }
  };
  await Promise.all(Array.from({ length: Math.min(BLOB_CONCURRENCY, refs.length) }, worker));
  return missing;
}

function addBuffer(pack: tar.Pack, name: string, data: Buffer): Promise<void> {
  return new Promise((resolve, reject) => pack.entry({ name, size: data.length, mode: 0o600, mtime: new Date() }, data, (err) => (err ? reject(err) : resolve())));
}

/** Appends a file as an entry, honouring the archive's back-pressure. */
async function addFile(pack: tar.Pack, name: string, path: string, size: number): Promise<void> {
  let entry!: Writable;
  const done = new Promise<void>((resolve, reject) => {
    entry = pack.entry({ name, size, mode: 0o600, mtime: new Date() }, (err) => (err ? reject(err) : resolve()));
  });
  for await (const chunk of createReadStream(path)) {
    if (!entry.write(chunk)) await new Promise<void>((resolve) => entry.once('drain', () => resolve()));
  }
  entry.end();
  await done;
}

function sha256(data: Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}

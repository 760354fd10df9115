// `strobe backup FILE [--force] [--s3-listing]` and `strobe restore FILE`.
//
// Embedded mode: a running server writes the backup through its control socket (control.ts); with
// none running the CLI opens DATA_DIR itself. A restore needs DATA_DIR to itself. Cluster mode: the
// CLI connects to DATABASE_URL and the blob store (S3_BUCKET or DATA_DIR) directly.
//
// Exit codes: 0 done; 1 refused or failed (nothing changed: a backup leaves no FILE, a restore no
// rows); 2 usage; 65 the archive is damaged, truncated, or not one this Strobe can read.
import { randomBytes } from 'node:crypto';
import { createWriteStream, existsSync } from 'node:fs';
import { mkdtemp, rename, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { DataDirBusyError, openPglite } from '../../adapters/db/pglite.js';
import { FsBlobStore } from '../../adapters/fs/blobs.js';
import { openPostgres } from '../../adapters/pg/db.js';
import { S3BlobStore } from '../../adapters/s3/blobs.js';
import type { Config } from '../../config.js';
import type { BlobStore } from '../../ports/blobs.js';
import type { Db } from '../../ports/db.js';
import { BackupError, writeBackup, type BackupReport } from './backup.js';
import { requestBackup } from './control.js';
import { BackupFormatError } from './format.js';
import { restoreBackup, RestoreRefused, type RestoreReport } from './restore.js';
import { readSecretFile } from './serve.js';

export interface BackupCliContext {
  config: Config;
  out(line: string): void;
  err(line: string): void;
}

const BACKUP_USAGE = 'usage: strobe backup FILE [--force] [--s3-listing]';
const RESTORE_USAGE = 'usage: strobe restore FILE';

export async function runBackup(args: string[], ctx: BackupCliContext): Promise<number> {
  const parsed = parse(args, { force: { type: 'boolean' }, 's3-listing': { type: 'boolean' } });
  if (!parsed || parsed.positionals.length !== 1) return usage(ctx, BACKUP_USAGE);
  const { config } = ctx;
  const listing = parsed.values['s3-listing'] === true;
  if (listing && !config.s3) return usage(ctx, '--s3-listing is for photos kept in S3 (S3_BUCKET); this Strobe keeps them in DATA_DIR, so the backup holds them');
  const file = resolve(parsed.positionals[0]!);
  if (existsSync(file) && parsed.values.force !== true) {
    ctx.err(`strobe: ${file} exists: pass --force to overwrite it`);
    return 1;
  }
  // Written beside FILE and renamed over it at the end: an interrupted backup never leaves a FILE
  // that looks whole, and --force replaces the old one only with a complete new one.
  const partial = join(dirname(file), `.${file.slice(dirname(file).length + 1)}.partial-${randomBytes(4).toString('hex')}`);
  // flush: the file is on disk (fsync) before it is renamed into place.
  const out = createWriteStream(partial, { flags: 'wx', mode: 0o600, flush: true });
  try {
    await new Promise<void>((resolve, reject) => {
      out.once('open', () => resolve());
      out.once('error', reject);
    });
  } catch (err) {
    ctx.err(`strobe: cannot write ${file}: ${(err as Error).message}`);
    return 1;
  }
  const started = Date.now();
  try {
    const log = (line: string) => ctx.err(`strobe: ${line}`);
    let report: BackupReport | null = null;
    if (config.mode === 'embedded') report = await requestBackup(config.dataDir, { listing }, out, log);
    if (report) ctx.err('strobe: the running Strobe wrote the backup (it kept serving meanwhile)');
    else report = await withSource(config, (source) => writeBackup({ ...source, listing, log }, out));
    // A backup written here ended the stream already; one the server sent has not.
    await new Promise<void>((resolve, reject) => {
      if (out.closed) return out.errored ? reject(out.errored) : resolve();
      out.once('error', reject);
      out.once('close', () => resolve());
      if (!out.writableEnded) out.end();
    });
    await rename(partial, file);
    const size = (await stat(file)).size;
    ctx.out(describeBackup(file, size, report, Date.now() - started));
    return 0;
  } catch (err) {
    await new Promise<void>((resolve) => {
      if (out.closed) return resolve();
      out.once('close', () => resolve());
      out.destroy();
    });
    await rm(partial, { force: true });
    return failure(ctx, err, 'backup');
  }
}

export async function runRestore(args: string[], ctx: BackupCliContext): Promise<number> {
  const parsed = parse(args, {});
  if (!parsed || parsed.positionals.length !== 1) return usage(ctx, RESTORE_USAGE);
  const { config } = ctx;
  const file = resolve(parsed.positionals[0]!);
  try {
    const info = await stat(file);
    if (!info.isFile()) throw new Error('not a file');
  } catch (err) {
    ctx.err(`strobe: cannot read ${file}: ${(err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (err as Error).message}`);
    return 1;
  }
  const started = Date.now();
  const scratch = await mkdtemp(join(tmpdir(), 'strobe-restore-'));
  try {
    let report: RestoreReport;
    const log = (line: string) => ctx.err(`strobe: ${line}`);
    if (config.mode === 'embedded') {
      // Asking the socket first gives a clearer answer than the lock when a server runs.
      const running = await requestPing(config.dataDir);
      if (running) throw new RestoreRefused('a Strobe is running on this DATA_DIR: stop it first (a restore needs the data dir to itself), then run the restore again');
      const db = await openPglite(join(config.dataDir, 'db'));
      try {
        report = await restoreBackup(file, {
          db,
          media: new FsBlobStore(join(config.dataDir, 'media')),
          uploads: new FsBlobStore(join(config.dataDir, 'uploads')),
          mode: 'embedded',
          sessionSecret: config.sessionSecret,
          secretFile: { path: join(config.dataDir, 'session-secret'), current: readSecretFile(config.dataDir)?.trim() },
          scratchDir: scratch,
          log,
        });
      } finally {
        await db.close();
      }
    } else {
      report = await withClusterStores(config, async ({ db, media, uploads }) =>
        restoreBackup(file, { db, media, uploads, mode: 'cluster', sessionSecret: config.sessionSecret, scratchDir: scratch, log }),
      );
    }
    for (const w of report.warnings) ctx.err(`strobe: warning: ${w}`);
    ctx.out(describeRestore(file, report, Date.now() - started));
    return 0;
  } catch (err) {
    return failure(ctx, err, 'restore');
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}

/** Embedded with no server running, or cluster: what a backup reads. */
async function withSource<T>(
  config: Config,
  use: (source: Omit<Parameters<typeof writeBackup>[0], 'listing' | 'log'>) => Promise<T>,
): Promise<T> {
  const scratchDir = await mkdtemp(join(tmpdir(), 'strobe-backup-'));
  try {
    if (config.mode === 'cluster') {
      return await withClusterStores(config, ({ db, media, uploads }) => use({ db, media, uploads, mode: 'cluster', sessionSecret: config.sessionSecret, scratchDir }));
    }
    if (!existsSync(join(config.dataDir, 'db', 'PG_VERSION'))) throw new BackupError(`there is no Strobe database in ${config.dataDir} (DATA_DIR): nothing to back up`);
    const db = await openPglite(join(config.dataDir, 'db'));
    try {
      const secretFile = config.sessionSecret === undefined ? readSecretFile(config.dataDir) : undefined;
      return await use({
        db,
        media: new FsBlobStore(join(config.dataDir, 'media')),
        uploads: new FsBlobStore(join(config.dataDir, 'uploads')),
        mode: 'embedded',
        sessionSecret: config.sessionSecret ?? secretFile?.trim(),
        secretFile,
        scratchDir,
      });
    } finally {
      await db.close();
    }
  } finally {
    await rm(scratchDir, { recursive: true, force: true });
  }
}

/** PostgreSQL (never migrated here: a backup reads any schema, a restore migrates itself) and the blob stores, as cluster.ts opens them. */
async function withClusterStores<T>(config: Config, use: (c: { db: Db; media: BlobStore; uploads: BlobStore }) => Promise<T>): Promise<T> {
  let media: BlobStore = new FsBlobStore(join(config.dataDir, 'media'));
  let uploads: BlobStore = new FsBlobStore(join(config.dataDir, 'uploads'));
  const s3: S3BlobStore[] = [];
  if (config.s3) {
    s3.push(new S3BlobStore({ ...config.s3, prefix: 'media/' }), new S3BlobStore({ ...config.s3, prefix: 'uploads/' }));
    [media, uploads] = s3 as [S3BlobStore, S3BlobStore];
  }
  try {
    if (s3[0]) await s3[0].checkBucket();
    const db = await openPostgres(config.databaseUrl!, { max: 2 });
    try {
      return await use({ db, media, uploads });
    } finally {
      await db.close();
    }
  } finally {
    for (const store of s3) store.close();
  }
}

/** Whether a server answers on the data dir's control socket (it is not asked for anything). */
async function requestPing(dataDir: string): Promise<boolean> {
  const { connect } = await import('node:net');
  const { controlSocketPath } = await import('./control.js');
  return new Promise((resolve) => {
    const s = connect(controlSocketPath(dataDir));
    s.once('connect', () => (s.destroy(), resolve(true)));
    s.once('error', () => resolve(false));
  });
}

function describeBackup(file: string, size: number, r: BackupReport, ms: number): string {
  const rows = r.rows;
  const files = r.blobs.listed ? `${r.blobs.count} file(s) listed, not included (--s3-listing)` : `${r.blobs.count} file(s), ${mb(r.blobs.bytes)}`;
  return [
    `strobe: wrote ${file} (${mb(size)}) in ${(ms / 1000).toFixed(1)} s`,
    `  snapshot of ${r.snapshotAt}, schema version ${r.schemaVersion}${r.snapshots > 1 ? `, after ${r.snapshots} snapshots` : ''}`,
    `  ${rows.users ?? 0} accounts, ${rows.photos ?? 0} photos, ${rows.comments ?? 0} comments, ${rows.follows ?? 0} follows, ${rows.chat_messages ?? 0} chat and ${rows.dm_messages ?? 0} private messages; ${Object.values(rows).reduce((a, b) => a + b, 0)} rows in ${Object.keys(rows).length} tables`,
    `  ${files}${r.blobs.missing ? `; ${r.blobs.missing} missing from the store (see the warning above)` : ''}`,
  ].join('\n');
}

function describeRestore(file: string, r: RestoreReport, ms: number): string {
  const rows = r.rows;
  const resumed = Object.entries(r.resumed).map(([name, n]) => `${n} ${name}`);
  return [
    `strobe: restored ${file} in ${(ms / 1000).toFixed(1)} s`,
    `  ${r.header.mode === 'embedded' ? 'an embedded' : 'a cluster'} backup of ${r.snapshotAt} (Strobe ${r.header.strobeVersion}, schema version ${r.header.schemaVersion}), migrated to version ${r.schema.to}`,
    `  ${rows.users ?? 0} accounts, ${rows.photos ?? 0} photos, ${rows.comments ?? 0} comments, ${rows.follows ?? 0} follows, ${rows.chat_messages ?? 0} chat and ${rows.dm_messages ?? 0} private messages; ${Object.values(rows).reduce((a, b) => a + b, 0)} rows in ${Object.keys(rows).length} tables`,
    r.header.files === 'listing'
      ? `  ${r.blobs.present} file(s) checked present in the bucket (the backup only listed them)`
      : `  ${r.blobs.added} file(s) copied (${mb(r.blobs.bytes)})${r.blobs.present ? `, ${r.blobs.present} already there` : ''}`,
    `  work under way restarted: ${resumed.length ? resumed.join(', ') : 'none'}`,
    r.secretRestored ? '  the session secret was restored (ingest and webhook secrets open as before)' : null,
    '  everyone signs in again: sessions are not part of a backup',
  ]
    .filter((l): l is string => l !== null)
    .join('\n');
}

function mb(bytes: number): string {
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}

function failure(ctx: BackupCliContext, err: unknown, what: 'backup' | 'restore'): number {
  if (err instanceof BackupFormatError) {
    ctx.err(`strobe: cannot restore this file: ${err.message}. Nothing was changed.`);
    return 65;
  }
  if (err instanceof RestoreRefused || err instanceof BackupError) {
    ctx.err(`strobe: ${err.message}`);
    return 1;
  }
  if (err instanceof DataDirBusyError) {
    ctx.err(
      what === 'restore'
        ? `strobe: ${err.message} (a restore needs the data dir to itself)`
        : `strobe: ${err.message}, or let it write the backup: it did not answer on ${join(dirname(err.dir), 'run', 'control.sock')}`,
    );
    return 1;
  }
  const e = err as Error;
  ctx.err(`strobe: the ${what} failed: ${e.message || e.name}${what === 'restore' ? '. The database was left as it was.' : '. No file was written.'}`);
  return 1;
}

function usage(ctx: BackupCliContext, message: string): number {
  ctx.err(`strobe: ${message}`);
  return 2;
}

function parse(args: string[], options: Record<string, { type: 'boolean' }>) {
  try {
    return parseArgs({ args, options, allowPositionals: true, strict: true });
  } catch {
    return null;
  }
}

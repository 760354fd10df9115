// Backup and restore in process (ops/backup): the load order, work under way started again after a
// restore, sequences, damaged and foreign archives refused before anything is written, and a backup
// of an older schema going through the migrations in between (PostgreSQL).
import assert from 'node:assert/strict';
import { createWriteStream, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { describe, test, type TestContext } from 'node:test';
import tar from 'tar-stream';
import { migrate } from '../../src/adapters/db/migrate.js';
import { migrations } from '../../src/adapters/db/migrations/index.js';
import { openPglite } from '../../src/adapters/db/pglite.js';
import { FsBlobStore } from '../../src/adapters/fs/blobs.js';
import { openPostgres } from '../../src/adapters/pg/db.js';
import { writeBackup } from '../../src/ops/backup/backup.js';
import { BackupFormatError } from '../../src/ops/backup/format.js';
import { restoreBackup, RestoreRefused } from '../../src/ops/backup/restore.js';
import { planLoad, type Table } from '../../src/ops/backup/schema.js';
import { blobKey, type BlobStore } from '../../src/ports/blobs.js';
import type { Db } from '../../src/ports/db.js';
import { freshDataDir } from '../helpers/data-dir.js';
import { freshPostgres, servicesUp } from '../helpers/services.js';

const table = (name: string, fks: [string, string, boolean][], pk = ['id']): Table => ({
  name,
  primaryKey: pk,
  columns: [...pk.map((c) => ({ name: c, notNull: true })), ...fks.map(([col, , notNull]) => ({ name: col, notNull }))],
  foreignKeys: fks.map(([col, ref]) => ({ columns: [col], references: ref })),
});

describe('load order', () => {
  test('references first; a cycle is broken at a nullable column, loaded later', () => {
    // In catalog order (by name), as readTables gives them.
    const plan = planLoad([table('invites', [['created_by', 'users', false]]), table('photos', [['owner_id', 'users', true]]), table('users', [['invite_id', 'invites', false]])]);
    assert.deepEqual(plan.order, ['invites', 'users', 'photos']);
    assert.deepEqual([...plan.deferred], [['invites', ['created_by']]]);
  });
  test('a reference to the same table is deferred; a cycle through non-null columns is refused', () => {
    assert.deepEqual([...planLoad([table('comments', [['reply_to', 'comments', false]])]).deferred], [['comments', ['reply_to']]]);
    assert.throws(() => planLoad([table('a', [['b_id', 'b', true]]), table('b', [['a_id', 'a', true]])]), /no load order exists for the tables a, b/);
  });
});

interface Instance {
  dir: string;
  db: Db;
  media: BlobStore;
  uploads: BlobStore;
}

async function instance(t: TestContext): Promise<Instance> {
  const dir = await freshDataDir();
  const db = await openPglite(join(dir, 'db'));
  t.after(async () => {
    await db.close();
    rmSync(dir, { recursive: true, force: true });
  });
  return { dir, db, media: new FsBlobStore(join(dir, 'media')), uploads: new FsBlobStore(join(dir, 'uploads')) };
}

async function backupTo(source: Instance, file: string): Promise<void> {
  await writeBackup(
    { db: source.db, media: source.media, uploads: source.uploads, mode: 'embedded', listing: false, sessionSecret: 'medium-test-secret-of-some-length-000000', scratchDir: tmpdir() },
    createWriteStream(file),
  );
}

const restoreInto = (target: Instance, file: string) =>
  restoreBackup(file, { db: target.db, media: target.media, uploads: target.uploads, mode: 'embedded', sessionSecret: undefined, scratchDir: tmpdir() });

function workDir(t: TestContext): string {
  const dir = mkdtempSync(join(tmpdir(), 'strobe-backup-medium-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

test('a restore starts again the work the snapshot had under way, keeps only unfinished jobs, and keeps ids unused', async (t) => {
  const source = await instance(t);
  const work = workDir(t);
  const q = (sql: string, params: unknown[] = []) => source.db.query(sql, params);
  const [ann] = await q(`insert into users (username, password_hash, avatar_upload) values ('ann', 'h', $1) returning id`, [blobKey('a'.repeat(64), 'jpg')]);
  await source.uploads.put(blobKey('a'.repeat(64), 'jpg'), Buffer.from('avatar original'));
  const original = blobKey('b'.repeat(64), 'jpg');
  await source.uploads.put(original, Buffer.from('photo original'));
  // Processing, and its job went to RabbitMQ ('sent': not in the backup).
  const [processing] = await q(`insert into photos (owner_id, upload_key) values ($1, $2) returning id`, [ann!.id, original]);
  await q(`insert into jobs (name, payload, status) values ('photo.resize', $1, 'sent'), ('notify', '{}', 'done')`, [JSON.stringify({ photoId: processing!.id })]);
  // Ready but never published, and a photo deleted before the backup (its id must not come back).
  const [unpublished] = await q(`insert into photos (owner_id, status) values ($1, 'ready') returning id`, [ann!.id]);
  const [gone] = await q(`insert into photos (owner_id) values ($1) returning id`, [ann!.id]);
  await q(`delete from photos where id = $1`, [gone!.id]);
  await q(`insert into account_exports (user_id, expires_at) values ($1, now() + interval '1 day')`, [ann!.id]);
  // Claimed by the process that took the backup.
  await q(`insert into jobs (name, payload, status, locked_until) values ('badges.check', $1, 'running', now() + interval '5 minutes')`, [JSON.stringify({ userId: ann!.id })]);

  const file = join(work, 'b.tar');
  await backupTo(source, file);
  const target = await instance(t);
  const report = await restoreInto(target, file);
  assert.deepEqual(report.resumed, { 'photo.resize': 1, 'photo.fanout': 1, 'avatar.process': 1, 'account.export': 1 });
  assert.equal(report.blobs.added, 2);
  const jobs = await target.db.query<{ name: string; status: string; photo: string | null }>(`select name, status, payload->>'photoId' as photo from jobs order by name`);
  assert.deepEqual(
    jobs.map((j) => `${j.name}:${j.status}`),
    ['account.export:pending', 'avatar.process:pending', 'badges.check:pending', 'photo.fanout:pending', 'photo.resize:pending'],
  );
  assert.equal(jobs.find((j) => j.name === 'photo.resize')!.photo, processing!.id);
  assert.equal(jobs.find((j) => j.name === 'photo.fanout')!.photo, unpublished!.id);
  const [next] = await target.db.query<{ id: string }>(`insert into photos (owner_id) values ($1) returning id`, [ann!.id]);
  assert.ok(Number(next!.id) > Number(gone!.id), `a new photo is ${next!.id}, past the deleted ${gone!.id}`);
  assert.equal((await target.uploads.stat(original))?.size, 'photo original'.length);

  // A second restore into the same (now populated) target is refused, and changes nothing.
  await assert.rejects(restoreInto(target, file), (err: Error) => err instanceof RestoreRefused && /not empty: it has 1 account/.test(err.message));
});

/** Rewrites an archive entry by entry; `edit` returns the new bytes, or null to drop the entry. */
async function rewrite(from: string, to: string, edit: (name: string, data: Buffer) => Buffer | null): Promise<void> {
  const extract = tar.extract();
  const pack = tar.pack();
  const out = pipeline(pack, createWriteStream(to));
  const feeding = pipeline(Readable.from([readFileSync(from)]), extract);
  for await (const entry of extract) {
    const chunks: Buffer[] = [];
    for await (const c of entry) chunks.push(c as Buffer);
    const data = edit(entry.header.name, Buffer.concat(chunks));
    if (data) pack.entry({ name: entry.header.name }, data);
  }
  await feeding;
  pack.finalize();
  await out;
}

test('a damaged, foreign or newer archive is refused before the target is touched', async (t) => {
  const source = await instance(t);
  const work = workDir(t);
  await source.db.query(`insert into users (username, password_hash) values ('bea', 'h')`);
  const file = join(work, 'good.tar');
  await backupTo(source, file);
  const target = await instance(t);
  const json = (data: Buffer, change: (v: Record<string, unknown>) => void) => {
    const v = JSON.parse(data.toString()) as Record<string, unknown>;
    change(v);
    return Buffer.from(JSON.stringify(v));
  };
  const cases: [string, (name: string, data: Buffer) => Buffer | null, RegExp][] = [
    ['a flipped byte in a table', (n, d) => (n === 'tables/users.ndjson' ? Buffer.from(d.toString().replace('bea', 'bee')) : d), /the table users .* does not match its checksum/],
    ['no manifest', (n, d) => (n === 'manifest.json' ? null : d), /no manifest: it is truncated/],
    ['a table left out', (n, d) => (n === 'tables/follows.ndjson' ? null : d), /lacks the table follows/],
    ['a newer format', (n, d) => (n === 'strobe-backup.json' ? json(d, (v) => (v.formatVersion = 99)) : d), /format version 99, and this Strobe reads version 1/],
    ['a newer schema', (n, d) => (n === 'strobe-backup.json' ? json(d, (v) => (v.schemaVersion = 999)) : d), /schema \(version 999.* is newer than this Strobe knows/],
  ];
  for (const [what, edit, message] of cases) {
    const bad = join(work, 'bad.tar');
    await rewrite(file, bad, edit);
    await assert.rejects(restoreInto(target, bad), (err: Error) => err instanceof BackupFormatError && message.test(err.message), what);
  }
  // An entry whose name climbs out of the archive is not a Strobe entry at all.
  const pack = tar.pack();
  const out = pipeline(pack, createWriteStream(join(work, 'climb.tar')));
  pack.entry({ name: 'strobe-backup.json' }, extractHeader(file));
  pack.entry({ name: '../../etc/passwd' }, 'root');
  pack.finalize();
  await out;
  await assert.rejects(restoreInto(target, join(work, 'climb.tar')), /an entry no Strobe backup has: "..\/..\/etc\/passwd"/);
  writeFileSync(join(work, 'empty.tar'), '');
  await assert.rejects(restoreInto(target, join(work, 'empty.tar')), BackupFormatError);
  assert.deepEqual(await target.db.query('select count(*)::int as n from users'), [{ n: 0 }], 'nothing was restored');
});

function extractHeader(file: string): string {
  // The header is the first entry: 512 bytes of tar header, then its JSON.
  const data = readFileSync(file);
  const size = parseInt(data.subarray(124, 136).toString().replace(/\0/g, '').trim(), 8);
  return data.subarray(512, 512 + size).toString();
}

const pgUp = await servicesUp(['postgres']);

describe('PostgreSQL', { skip: !pgUp }, () => {
  test('a backup of an older schema is loaded at its version, then migrated; a target already past it is refused', async (t) => {
    const work = workDir(t);
    const older = migrations.filter((m) => m.version <= 12);
    const [a, b, c] = await Promise.all([freshPostgres(), freshPostgres(), freshPostgres()]);
    const dbs: Db[] = [];
    t.after(async () => {
      for (const db of dbs) await db.close();
      await Promise.all([a.dispose(), b.dispose(), c.dispose()]);
    });
    const [src, dst, newer] = await Promise.all([openPostgres(a.url), openPostgres(b.url), openPostgres(c.url)]);
    dbs.push(src, dst, newer);
    await migrate(src, older);
    await src.query(`insert into users (username, password_hash) values ('old_timer', 'h')`);
    const stores = { media: new FsBlobStore(join(work, 'media')), uploads: new FsBlobStore(join(work, 'uploads')) };
    const file = join(work, 'v12.tar');
    await writeBackup({ db: src, ...stores, mode: 'cluster', listing: false, sessionSecret: undefined, scratchDir: work }, createWriteStream(file));

    const report = await restoreBackup(file, { db: dst, ...stores, mode: 'cluster', sessionSecret: undefined, scratchDir: work });
    assert.equal(report.header.schemaVersion, 12);
    assert.deepEqual(report.schema, { from: 0, to: Math.max(...migrations.map((m) => m.version)) });
    assert.deepEqual(await dst.query(`select username from users`), [{ username: 'old_timer' }]);
    assert.deepEqual(await dst.query<{ v: number }>(`select max(version)::int as v from schema_migrations`), [{ v: report.schema.to }]);

    await migrate(newer);
    await assert.rejects(
      restoreBackup(file, { db: newer, ...stores, mode: 'cluster', sessionSecret: undefined, scratchDir: work }),
      (err: Error) => err instanceof RestoreRefused && err.message.includes(`already at schema version ${Math.max(...migrations.map((m) => m.version))}, newer than the backup's (12)`),
    );
  });
});

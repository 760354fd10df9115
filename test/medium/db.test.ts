// PGlite: migrations and the database session store.
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { migrate } from '../../src/adapters/db/migrate.js';
import { migrations } from '../../src/adapters/db/migrations/index.js';
import { openPglite } from '../../src/adapters/db/pglite.js';
import { DbSessionStore } from '../../src/adapters/db/sessions.js';
import { sessionStoreContract } from '../contracts/session-store.contract.js';
import { freshDataDir } from '../helpers/data-dir.js';

async function openFresh() {
  const dir = await freshDataDir();
  const db = await openPglite(join(dir, 'db'));
  return { db, dispose: async () => (await db.close(), rmSync(dir, { recursive: true, force: true })) };
}

test('migrations are idempotent and recorded', async (t) => {
  const { db, dispose } = await openFresh();
  t.after(dispose);
  assert.deepEqual(await migrate(db), [], 'the template is already migrated');
  const rows = await db.query<{ version: number }>('select version from schema_migrations order by version');
  assert.deepEqual(rows.map((r) => r.version), migrations.map((m) => m.version));
  assert.deepEqual(await db.query("select name from chat_rooms where name = 'lobby'"), [{ name: 'lobby' }]);
});

test('a migration that fails leaves nothing half-applied', async (t) => {
  const { db, dispose } = await openFresh();
  t.after(dispose);
  const broken = [...migrations, { version: 999, name: 'broken', sql: 'create table half (id int); select nope from nowhere;' }];
  await assert.rejects(migrate(db, broken));
  assert.deepEqual(await db.query("select to_regclass('half') as t"), [{ t: null }]);
  assert.deepEqual(await db.query('select version from schema_migrations where version = 999'), []);
});

test('transactions roll back on error', async (t) => {
  const { db, dispose } = await openFresh();
  t.after(dispose);
  await assert.rejects(
    db.tx(async (q) => {
      await q.query("insert into chat_rooms (name) values ('doomed')");
      throw new Error('boom');
    }),
  );
  assert.deepEqual(await db.query("select name from chat_rooms where name = 'doomed'"), []);
});

sessionStoreContract('database (PGlite)', async () => {
  const { db, dispose } = await openFresh();
  const [user] = await db.query<{ id: string }>("insert into users (username, password_hash) values ('sam', 'x') returning id");
  const store = new DbSessionStore(db);
  const close = store.close.bind(store);
  store.close = async () => (await close(), await dispose());
  return { store, userId: user!.id };
});

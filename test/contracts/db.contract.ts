// The contract of the database port. `open` returns a migrated, empty-of-test-data database and a
// disposer; the PostgreSQL adapter runs the same suite in cluster mode.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { migrate } from '../../src/adapters/db/migrate.js';
import { migrations } from '../../src/adapters/db/migrations/index.js';
import type { Db } from '../../src/ports/db.js';

export function dbContract(name: string, open: () => Promise<{ db: Db; dispose(): Promise<void> }>): void {
  describe(`Db contract: ${name}`, () => {
    test('migrations are recorded and idempotent', async (t) => {
      const { db, dispose } = await open();
      t.after(dispose);
      assert.deepEqual(await migrate(db), []);
      const rows = await db.query<{ version: number }>('select version from schema_migrations order by version');
      assert.deepEqual(rows.map((r) => r.version), migrations.map((m) => m.version));
      assert.deepEqual(await db.query("select name from chat_rooms where name = 'lobby'"), [{ name: 'lobby' }]);
    });

    test('concurrent migrators wait for each other and apply nothing twice', async (t) => {
      const { db, dispose } = await open();
      t.after(dispose);
      const extra = [...migrations, { version: 900, name: 'extra', sql: 'create table extra_900 (id int primary key);' }];
      const results = await Promise.all([migrate(db, extra), migrate(db, extra), migrate(db, extra)]);
      assert.deepEqual(results.flat(), [900]);
    });

    test('a migration that fails leaves nothing half-applied', async (t) => {
      const { db, dispose } = await open();
      t.after(dispose);
      const broken = [...migrations, { version: 999, name: 'broken', sql: 'create table half (id int); select nope from nowhere;' }];
      await assert.rejects(migrate(db, broken));
      assert.deepEqual(await db.query("select to_regclass('half') as t"), [{ t: null }]);
      assert.deepEqual(await db.query('select version from schema_migrations where version = 999'), []);
    });

    test('transactions commit together or roll back together', async (t) => {
      const { db, dispose } = await open();
      t.after(dispose);
      await assert.rejects(
        db.tx(async (q) => {
          await q.query("insert into chat_rooms (name) values ('doomed')");
          throw new Error('boom');
        }),
      );
      assert.deepEqual(await db.query("select name from chat_rooms where name = 'doomed'"), []);
      await db.tx(async (q) => {
        await q.query("insert into chat_rooms (name) values ('kept-1')");
        await q.query("insert into chat_rooms (name) values ('kept-2')");
      });
      assert.equal((await db.query("select name from chat_rooms where name like 'kept-%'")).length, 2);
    });

    test('int8 comes back as an exact string, timestamptz as a Date', async (t) => {
      const { db, dispose } = await open();
      t.after(dispose);
      const [row] = await db.query<{ big: unknown; at: unknown }>("select 9007199254740993::int8 as big, now() as at");
      assert.equal(row!.big, '9007199254740993');
      assert.ok(row!.at instanceof Date);
      await db.ping();
    });
  });
}

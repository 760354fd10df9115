// Brings the schema up to date. Idempotent, and safe when several instances start at once: the whole
// run holds a transaction-scoped advisory lock, so a second migrator waits and then finds nothing to do.
import type { Db } from '../../ports/db.js';
import { migrations as all, type Migration } from './migrations/index.js';

const LOCK_KEY = 0x5757_0b3e; // any constant shared by every Strobe process

export async function migrate(db: Db, migrations: readonly Migration[] = all): Promise<number[]> {
  return db.tx(async (q) => {
    await q.query('select pg_advisory_xact_lock($1)', [LOCK_KEY]);
    await q.query(`create table if not exists schema_migrations (
      version int primary key, name text not null, applied_at timestamptz not null default now())`);
    const done = new Set(
      (await q.query<{ version: number }>('select version from schema_migrations')).map((r) => r.version),
    );
    const applied: number[] = [];
    for (const m of [...migrations].sort((a, b) => a.version - b.version)) {
      if (done.has(m.version)) continue;
      if (m.sql) await q.exec(m.sql);
      if (m.run) await m.run(q);
      await q.query('insert into schema_migrations (version, name) values ($1, $2)', [m.version, m.name]);
      applied.push(m.version);
    }
    return applied;
  });
}

// A fresh data dir per test, copied from a migrated template made once per machine and schema
// version: PGlite's initdb takes seconds, a copy takes milliseconds.
import { createHash } from 'node:crypto';
import { cpSync, existsSync, mkdtempSync, renameSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { migrate } from '../../src/adapters/db/migrate.js';
import { migrations } from '../../src/adapters/db/migrations/index.js';
import { openPglite } from '../../src/adapters/db/pglite.js';

let template: Promise<string> | undefined;

function templateDir(): Promise<string> {
  template ??= (async () => {
    const hash = createHash('sha256').update(JSON.stringify(migrations)).digest('hex').slice(0, 12);
    const dir = join(tmpdir(), `strobe-test-template-${hash}`);
    if (existsSync(join(dir, 'db', 'PG_VERSION'))) return dir;
    const building = mkdtempSync(join(tmpdir(), 'strobe-test-template-building-'));
    const db = await openPglite(join(building, 'db'));
    await migrate(db);
    await db.close();
    try {
      renameSync(building, dir);
    } catch {
      rmSync(building, { recursive: true, force: true }); // another run made it first
    }
    return dir;
  })();
  return template;
}

/** A new, migrated data dir. Remove it with `rmSync(dir, {recursive: true})` when done. */
export async function freshDataDir(): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), 'strobe-test-'));
  cpSync(await templateDir(), dir, { recursive: true });
  return dir;
}

/** A migrated PGlite database on a fresh data dir, and how to get rid of both. */
export async function openFreshDb(): Promise<{ db: Awaited<ReturnType<typeof openPglite>>; dispose(): Promise<void> }> {
  const dir = await freshDataDir();
  const db = await openPglite(join(dir, 'db'));
  return {
    db,
    async dispose() {
      await db.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

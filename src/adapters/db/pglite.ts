// Embedded database: PGlite, a real PostgreSQL compiled to WebAssembly, persisted under DATA_DIR.
import { randomBytes } from 'node:crypto';
import { linkSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { INT8_OID, type Db, type Queryable } from '../../ports/db.js';
import { wellFormed } from '../../shared/text.js';

/** Beside PostgreSQL's own files; PGlite writes a postmaster.pid but never checks it. */
const LOCK_FILE = 'strobe.pid';

/** The database directory is held by another live process (a running Strobe, or `strobe admin`). */
export class DataDirBusyError extends Error {
  constructor(
    readonly dir: string,
    readonly pid: number | null,
  ) {
    super(`the database in ${dir} is in use by a running Strobe${pid ? ` (pid ${pid})` : ''}: stop it first, then try again`);
    this.name = 'DataDirBusyError';
  }
}

export async function openPglite(dir: string | undefined): Promise<Db> {
  if (dir) mkdirSync(dir, { recursive: true });
  // Two processes writing one PGlite directory corrupt it: the second one is refused instead.
  const unlock = dir ? lockDir(dir) : () => {};
  let pg: PGlite;
  try {
    // No dir means an in-memory database (tests of pure SQL behaviour).
    pg = await PGlite.create(dir, { parsers: { [INT8_OID]: (v: string) => v } });
  } catch (err) {
    unlock();
    throw err;
  }
  const wrap = (q: Pick<PGlite, 'query' | 'exec'>): Queryable => ({
    async query<T>(sql: string, params: readonly unknown[] = []) {
      // PGlite cuts a string short at a lone surrogate (and may split a character there); node-pg
      // sends U+FFFD for it. Well-formed strings make both adapters store the same thing.
      const res = await q.query<T>(sql, params.map((p) => (typeof p === 'string' ? wellFormed(p) : p)));
      return res.rows;
    },
    async exec(sql: string) {
      await q.exec(sql);
    },
  });
  const root = wrap(pg);
  return {
    ...root,
    tx: (fn) => pg.transaction((tx) => fn(wrap(tx))),
    async ping() {
      await pg.query('select 1');
    },
    async close() {
      try {
        if (!pg.closed) await pg.close();
      } finally {
        unlock();
      }
    },
  };
}

/**
 * Takes the directory's pid lock, or throws DataDirBusyError naming the live holder. A lock whose
 * process is gone (SIGKILL, a crash, a power cut) is stale and taken over. Returns the release; it
 * also happens at exit, so a process that exits without closing the database leaves no lock behind.
 */
function lockDir(dir: string): () => void {
  const file = join(dir, LOCK_FILE);
  // Written whole before it is linked into place, so a reader never sees a half-written pid.
  const tmp = `${file}.${process.pid}.${randomBytes(4).toString('hex')}`;
  writeFileSync(tmp, `${process.pid}\n`);
  try {
    for (let attempt = 0; ; attempt++) {
      try {
        linkSync(tmp, file); // fails if the lock exists: never overwrites a holder's
        break;
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
        const holder = lockHolder(file);
        if (holder !== null && isAlive(holder)) throw new DataDirBusyError(dir, holder);
        if (attempt > 0) throw new DataDirBusyError(dir, holder); // another process took it over meanwhile
        rmSync(file, { force: true });
      }
    }
  } finally {
    rmSync(tmp, { force: true });
  }
  if (!exitHooked) process.once('exit', releaseAll);
  exitHooked = true;
  heldLocks.add(file);
  return () => {
    if (heldLocks.delete(file)) releaseLock(file);
  };
}

/** Lock files this process holds, released at exit too: one listener for all of them. */
const heldLocks = new Set<string>();
let exitHooked = false;

function releaseAll(): void {
  for (const file of heldLocks) releaseLock(file);
  heldLocks.clear();
}

function releaseLock(file: string): void {
  // Only our own: after a stale takeover by someone else the file is theirs.
  if (lockHolder(file) === process.pid) rmSync(file, { force: true });
}

function lockHolder(file: string): number | null {
  try {
    const pid = Number(readFileSync(file, 'utf8').trim());
    return Number.isSafeInteger(pid) && pid > 0 ? pid : null;
  } catch {
    return null;
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM'; // alive, someone else's
  }
}

// PGlite, the embedded database, against the database and session-store contracts.
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { openPglite } from '../../src/adapters/db/pglite.js';
import { DbSessionStore } from '../../src/adapters/db/sessions.js';
import { dbContract } from '../contracts/db.contract.js';
import { sessionStoreContract } from '../contracts/session-store.contract.js';
import { freshDataDir } from '../helpers/data-dir.js';

async function openFresh() {
  const dir = await freshDataDir();
  const db = await openPglite(join(dir, 'db'));
  return { db, dispose: async () => (await db.close(), rmSync(dir, { recursive: true, force: true })) };
}

dbContract('PGlite', openFresh);

sessionStoreContract('database (PGlite)', async () => {
  const { db, dispose } = await openFresh();
  const [user] = await db.query<{ id: string }>("insert into users (username, password_hash) values ('sam', 'x') returning id");
  const store = new DbSessionStore(db);
  const close = store.close.bind(store);
  store.close = async () => (await close(), await dispose());
  return { store, userId: user!.id };
});

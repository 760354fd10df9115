// PGlite, the embedded database, against the database and session-store contracts.
import { DbSessionStore } from '../../src/adapters/db/sessions.js';
import { dbContract } from '../contracts/db.contract.js';
import { sessionStoreContract } from '../contracts/session-store.contract.js';
import { openFreshDb } from '../helpers/data-dir.js';

dbContract('PGlite', openFreshDb);

sessionStoreContract('database (PGlite)', async () => {
  const { db, dispose } = await openFreshDb();
  const [user] = await db.query<{ id: string }>("insert into users (username, password_hash) values ('sam', 'x') returning id");
  const store = new DbSessionStore(db);
  const close = store.close.bind(store);
  store.close = async () => (await close(), await dispose());
  return { store, userId: user!.id };
});

// PostgreSQL, the cluster database, against the same contracts as PGlite: migrations (with the
// advisory lock), transactions, and the session store.
import { migrate } from '../../src/adapters/db/migrate.js';
import { openPostgres } from '../../src/adapters/pg/db.js';
import { dbContract } from '../contracts/db.contract.js';
import { dbSessionStore, sessionStoreContract } from '../contracts/session-store.contract.js';
import { freshPostgres, servicesUp } from '../helpers/services.js';

async function openMigrated() {
  const fresh = await freshPostgres();
  const db = await openPostgres(fresh.url, { max: 5 });
  await migrate(db);
  return {
    db,
    async dispose() {
      await db.close();
      await fresh.dispose();
    },
  };
}

if (await servicesUp(['postgres'])) {
  dbContract('PostgreSQL', openMigrated);
  sessionStoreContract('database (PostgreSQL)', () => dbSessionStore(openMigrated));
}

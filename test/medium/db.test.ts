// PGlite, the embedded database, against the database and session-store contracts.
import { dbContract } from '../contracts/db.contract.js';
import { dbSessionStore, sessionStoreContract } from '../contracts/session-store.contract.js';
import { openFreshDb } from '../helpers/data-dir.js';

dbContract('PGlite', openFreshDb);

sessionStoreContract('database (PGlite)', () => dbSessionStore(openFreshDb));

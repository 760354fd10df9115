// Versioned migrations, applied in order. Never edit one that has shipped: add the next number.
import type { Queryable } from '../../../ports/db.js';
import { CITY_DATASET, loadCities } from '../../../features/cities/cities.dataset.js';
import accountsAndChat from './001-accounts-and-chat.js';
import jobs from './002-jobs.js';
import photosAndSocial from './003-photos-and-social.js';
import jobsSent from './005-jobs-sent.js';
import jobsNotify from './006-jobs-notify.js';
import comments from './007-comments.js';
import accountLifecycle from './008-account-lifecycle.js';
import tags from './009-tags.js';
import profiles from './010-profiles.js';
import community from './011-community.js';
import ingest from './012-ingest.js';
import events from './013-events.js';
import published from './014-published.js';
import blobPurgeGate from './015-blob-purge-gate.js';
import homePublishedThrough from './016-home-published-through.js';
import photoRev from './017-photo-rev.js';

export interface Migration {
  version: number;
  name: string;
  /** A SQL script, or a data step that needs code (it runs in the same transaction). */
  sql?: string;
  run?: (q: Queryable) => Promise<void>;
}

export const migrations: readonly Migration[] = [
  { version: 1, name: 'accounts-and-chat', sql: accountsAndChat },
  { version: 2, name: 'jobs', sql: jobs },
  { version: 3, name: 'photos-and-social', sql: photosAndSocial },
  { version: 4, name: `cities-from-${CITY_DATASET}`, run: loadCities },
  { version: 5, name: 'jobs-sent', sql: jobsSent },
  { version: 6, name: 'jobs-notify', sql: jobsNotify },
  { version: 7, name: 'comments', sql: comments },
  { version: 8, name: 'account-lifecycle', sql: accountLifecycle },
  { version: 9, name: 'tags', sql: tags },
  { version: 10, name: 'profiles', sql: profiles },
  { version: 11, name: 'community', sql: community },
  { version: 12, name: 'ingest', sql: ingest },
  { version: 13, name: 'events', sql: events },
  { version: 14, name: 'published', sql: published },
  { version: 15, name: 'blob-purge-gate', sql: blobPurgeGate },
  { version: 16, name: 'home-published-through', sql: homePublishedThrough },
  { version: 17, name: 'photo-rev', sql: photoRev },
];

// Versioned migrations, applied in order. Never edit one that has shipped: add the next number.
import accountsAndChat from './001-accounts-and-chat.js';
import jobs from './002-jobs.js';

export interface Migration {
  version: number;
  name: string;
  sql: string;
}

export const migrations: readonly Migration[] = [
  { version: 1, name: 'accounts-and-chat', sql: accountsAndChat },
  { version: 2, name: 'jobs', sql: jobs },
];

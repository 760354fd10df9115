// Versioned migrations, applied in order. Never edit one that has shipped: add the next number.
import accountsAndChat from './001-accounts-and-chat.js';

export interface Migration {
  version: number;
  name: string;
  sql: string;
}

export const migrations: readonly Migration[] = [{ version: 1, name: 'accounts-and-chat', sql: accountsAndChat }];

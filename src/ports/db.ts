// The database port: plain SQL with $1 parameters. Embedded mode runs it on PGlite, cluster mode on
// PostgreSQL, so both run the same migrations and the same queries.

export interface QueryOptions {
  /**
   * Names a statement sent very often (once or more per request): PostgreSQL then parses and plans
   * it once per connection. Only for SQL whose text never varies and that lists its columns (a
   * prepared `select *` breaks when a migration adds a column). Embedded mode ignores it.
   */
  prepared?: string;
}

export interface Queryable {
  query<T = Record<string, unknown>>(sql: string, params?: readonly unknown[], opts?: QueryOptions): Promise<T[]>;
  /** Runs a script of several statements without parameters (migrations). */
  exec(sql: string): Promise<void>;
}

export interface Db extends Queryable {
  /** Runs fn in one transaction: committed if it resolves, rolled back if it throws. */
  tx<T>(fn: (q: Queryable) => Promise<T>): Promise<T>;
  /** Cheap round trip for /readyz. */
  ping(): Promise<void>;
  close(): Promise<void>;
}

/** int8 comes back as a string in both drivers (ids stay exact), timestamps as Date. */
export const INT8_OID = 20;

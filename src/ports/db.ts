// The database port: plain SQL with $1 parameters. Embedded mode runs it on PGlite, cluster mode on
// PostgreSQL, so both run the same migrations and the same queries.

export interface Queryable {
  query<T = Record<string, unknown>>(sql: string, params?: readonly unknown[]): Promise<T[]>;
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

// Cluster database: PostgreSQL through a connection pool. Same SQL and migrations as PGlite; int8
// stays a string (exact ids) in both drivers.
import pg from 'pg';
import type { Db, Queryable, QueryOptions } from '../../ports/db.js';

/**
 * A query whose answer has not come back by then fails on our side and its connection is dropped
 * (pg-pool discards a client whose query failed). statement_timeout ends a slow query on the server;
 * this ends one whose server cannot be reached at all (a silent partition), which otherwise waits
 * for TCP to give up, about 15 minutes, holding a pool connection all along.
 */
export const QUERY_TIMEOUT_MS = 31_000;
/** The health check's own query: a partitioned server must read as down within the readiness round. */
export const PING_TIMEOUT_MS = 1_000;

export interface PgOptions {
  /** Connections per process. Web instances and workers each hold a pool. */
  max?: number;
  onError?: (err: Error) => void;
}

export async function openPostgres(url: string, opts: PgOptions = {}): Promise<Db> {
  const pool = new pg.Pool({
    connectionString: url,
    max: opts.max ?? 10,
    connectionTimeoutMillis: 5_000,
    idleTimeoutMillis: 30_000,
    // A query stuck behind a lock must not hold a request forever.
    statement_timeout: 30_000,
    query_timeout: QUERY_TIMEOUT_MS,
    // An idle pooled connection whose peer vanished is noticed by the kernel, not on its next use.
    keepAlive: true,
    keepAliveInitialDelayMillis: 10_000,
    application_name: 'strobe',
  });
  // An idle client losing its connection (a database restart) must not crash the process.
  pool.on('error', (err) => opts.onError?.(err));
  const wrap = (c: pg.Pool | pg.PoolClient): Queryable => ({
    async query<T>(sql: string, params: readonly unknown[] = [], opts: QueryOptions = {}) {
      const res = opts.prepared ? await c.query({ name: opts.prepared, text: sql, values: params as unknown[] }) : await c.query(sql, params as unknown[]);
      return res.rows as T[];
    },
    async exec(sql: string) {
      await c.query(sql);
    },
  });
  // Fail at start, with the driver's reason, rather than on the first request.
  await pool.query('select 1');
  return {
    ...wrap(pool),
    async tx(fn) {
      const client = await pool.connect();
      try {
        await client.query('begin');
        const result = await fn(wrap(client));
        await client.query('commit');
        return result;
      } catch (err) {
        await client.query('rollback').catch(() => {});
        throw err;
      } finally {
        client.release();
      }
    },
    async ping() {
      // On timeout the pooled connection is discarded: once the link returns, a fresh one answers.
      // (pg reads query_timeout per query too; @types/pg does not list it.)
      await pool.query({ text: 'select 1', query_timeout: PING_TIMEOUT_MS } as pg.QueryConfig);
    },
    async close() {
      await pool.end();
    },
  };
}

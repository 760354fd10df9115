// What a backup needs to know of the database, read from its own catalog rather than listed by hand,
// so a table a later migration adds is backed up and restored without changing this folder.
import type { Queryable } from '../../ports/db.js';

/**
 * Left out of every backup: sessions are signed out by a restore (by design), migrations rebuild
 * schema_migrations, and blob_purge_gate holds no rows (it is only locked).
 */
export const EXCLUDED_TABLES: ReadonlySet<string> = new Set(['sessions', 'schema_migrations', 'blob_purge_gate']);

/**
 * Rows a table keeps only as history: finished jobs. 'done' and (cluster) 'sent' rows are never
 * read again, and what a 'sent' job was doing is resumed from the rows themselves (resume.ts).
 */
export const ROW_FILTERS: Readonly<Record<string, string>> = {
  jobs: `status in ('pending', 'running', 'dead')`,
};

/**
 * Reference data a migration loads (46,000 cities), of which the app changes only some rows: only
 * those are backed up, and a restore writes them over the migration's rows instead of replacing the table.
 */
export const PARTIAL_TABLES: Readonly<Record<string, string>> = {
  cities: 'photos_count > 0',
};

export interface Column {
  name: string;
  notNull: boolean;
}

export interface ForeignKey {
  columns: string[];
  references: string;
}

export interface Table {
  name: string;
  /** Columns a row is written with: generated columns are left out (the database computes them). */
  columns: Column[];
  primaryKey: string[];
  foreignKeys: ForeignKey[];
}

export function ident(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

export async function schemaVersion(q: Queryable): Promise<number[]> {
  const [exists] = await q.query<{ t: string | null }>(`select to_regclass('schema_migrations')::text as t`);
  if (!exists?.t) return [];
  const rows = await q.query<{ version: number }>('select version from schema_migrations order by version');
  return rows.map((r) => r.version);
}

/** Every ordinary table in the current schema, with the columns, keys and references a dump and a load need. */
export async function readTables(q: Queryable): Promise<Table[]> {
  const tables = await q.query<{ oid: number; name: string }>(
    `select c.oid::int as oid, c.relname as name from pg_class c
     where c.relnamespace = current_schema()::regnamespace and c.relkind in ('r', 'p') order by c.relname`,
  );
  const columns = await q.query<{ oid: number; name: string; not_null: boolean; num: number }>(
    `select a.attrelid::int as oid, a.attname as name, a.attnotnull as not_null, a.attnum::int as num
     from pg_attribute a join pg_class c on c.oid = a.attrelid
     where c.relnamespace = current_schema()::regnamespace and c.relkind in ('r', 'p')
       and a.attnum > 0 and not a.attisdropped and a.attgenerated = ''
     order by a.attrelid, a.attnum`,
  );
  const keys = await q.query<{ oid: number; type: string; cols: string[]; ref: string | null }>(
    `select k.conrelid::int as oid, k.contype::text as type,
            array(select a.attname::text from unnest(k.conkey) with ordinality u(n, i)
                  join pg_attribute a on a.attrelid = k.conrelid and a.attnum = u.n order by u.i) as cols,
            r.relname::text as ref
     from pg_constraint k join pg_class c on c.oid = k.conrelid left join pg_class r on r.oid = k.confrelid
     where c.relnamespace = current_schema()::regnamespace and k.contype in ('p', 'f')`,
  );
  return tables.map((t) => ({
    name: t.name,
    columns: columns.filter((c) => c.oid === t.oid).map((c) => ({ name: c.name, notNull: c.not_null })),
    primaryKey: keys.find((k) => k.oid === t.oid && k.type === 'p')?.cols ?? [],
    foreignKeys: keys.filter((k) => k.oid === t.oid && k.type === 'f').map((k) => ({ columns: k.cols, references: k.ref! })),
  }));
}

/** Identity and serial columns, with their sequences' qualified names. */
export async function readSequences(q: Queryable): Promise<{ table: string; column: string; sequence: string }[]> {
  return q.query(
    `select c.relname as table, a.attname as column, pg_get_serial_sequence(format('%I.%I', n.nspname, c.relname), a.attname) as sequence
     from pg_attribute a join pg_class c on c.oid = a.attrelid join pg_namespace n on n.oid = c.relnamespace
     where n.oid = current_schema()::regnamespace and c.relkind in ('r', 'p') and a.attnum > 0 and not a.attisdropped
       and pg_get_serial_sequence(format('%I.%I', n.nspname, c.relname), a.attname) is not null`,
  );
}

export interface LoadPlan {
  /** Tables in an order where every reference points at a table loaded before (or at a deferred column). */
  order: string[];
  /** Columns loaded as null and set once every table is in: they close a cycle of references. */
  deferred: Map<string, string[]>;
}

/**
 * Orders tables so that foreign keys hold as rows go in. A cycle (users.invite_id -> invites,
 * invites.created_by -> users) or a reference to the same table is broken by loading the columns
 * that close it as null and setting them afterwards, which needs them nullable and the table to
 * have a primary key; a cycle that cannot be broken so is an error, not a failed load halfway.
 */
export function planLoad(tables: readonly Table[]): LoadPlan {
  const byName = new Map(tables.map((t) => [t.name, t]));
  const loaded = new Set<string>();
  const order: string[] = [];
  const deferred = new Map<string, string[]>();
  const pending = () => tables.filter((t) => !loaded.has(t.name));
  // References to tables outside the plan (left out of the backup) do not constrain the order.
  const blocking = (t: Table) => t.foreignKeys.filter((fk) => byName.has(fk.references) && !loaded.has(fk.references));
  while (loaded.size < tables.length) {
    const next = pending().find((t) => blocking(t).length === 0) ?? pending().find((t) => deferrable(t, blocking(t)));
    if (!next) {
      throw new Error(`no load order exists for the tables ${pending().map((t) => t.name).join(', ')}: their references form a cycle through non-null columns`);
    }
    const cols = blocking(next).flatMap((fk) => fk.columns);
    if (cols.length > 0) deferred.set(next.name, [...new Set(cols)]);
    loaded.add(next.name);
    order.push(next.name);
  }
  return { order, deferred };
}

function deferrable(t: Table, fks: ForeignKey[]): boolean {
  return t.primaryKey.length > 0 && fks.every((fk) => fk.columns.every((c) => !t.columns.find((col) => col.name === c)?.notNull && !t.primaryKey.includes(c)));
}

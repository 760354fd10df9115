// A reader's first home page, kept by each web process and checked on every read with one small
// query instead of read again: the page query, its 21 rows and their serialization were most of a
// home read's cost (docs/benchmarks.md, benchmark 5).
//
// The check is the page's fingerprint: the reader's newest timeline rows (a few more than the page
// holds) with the revision of each of their photos. Migration 017's trigger gives a photo a new
// revision whenever anything a reader sees of it changes (likes and `liked`, comments, status,
// caption, variants), whatever the write path, and every timeline change (a fan-out, a follow's
// backfill, an unfollow, a delete) adds or removes rows. So a page whose fingerprint is unchanged
// is the page the query would return, read in the same request, on whichever instance: a write
// committed before the read is always seen (no invalidation message to wait for or to lose).
// The checks that arrive while one is in flight go together in the next (adapters/db/batched-reads.ts).
// What the fingerprint does not cover is in the entry: the hidden owners (blocks, suspensions), the
// owners' profiles (Names' generation), and an age limit equal to the profiles' own.
import { BatchedReads } from '../../adapters/db/batched-reads.js';
import type { Queryable } from '../../ports/db.js';
import type { Photo } from '../../shared/api.js';

export interface HomePagesOptions {
  /** Readers whose page one process keeps (the least recently read go first). ~25 KB each. */
  maxReaders: number;
  /** The oldest page served, however unchanged: what bounds a profile change whose event was lost. */
  maxAgeMs: number;
  now?: () => number;
}

interface Entry {
  limit: number;
  hidden: readonly string[];
  generation: number;
  fingerprint: string;
  at: number;
  rows: Photo[];
}

interface Fingerprint {
  f: string;
  n: number;
  low: string | null;
}

/**
 * Timeline rows the fingerprint covers past the page: rows the page leaves out (photos of hidden
 * owners, photos being deleted) are still covered up to this many, so the page stays cacheable.
 */
const SLACK = 10;

// For each reader ($1) its newest `$2` timeline rows with their photos' revisions: an index walk of
// home_timeline's primary key and a primary-key probe per row, one short row back per reader. The
// revision is a subquery per row, not a join: with the limit unknown when planning, PostgreSQL
// hashed the whole photos table for a join (28 ms instead of 0.2).
const FINGERPRINTS = `
  select r.reader::text as reader, r.size as "window", fp.f, fp.n, fp.low
  from unnest($1::bigint[], $2::int[]) as r (reader, size)
  cross join lateral (
    select coalesce(string_agg(t.photo_id::text || '.' || coalesce((select p.rev from photos p where p.id = t.photo_id)::text, '-'), ','
                               order by t.photo_id desc), '') as f,
           count(*)::int as n, min(t.photo_id)::text as low
    from (select photo_id from home_timeline where user_id = r.reader order by photo_id desc limit r.size) t
  ) fp`;

export class HomePages {
  private readonly entries = new Map<string, Entry>();
  private readonly fingerprints: BatchedReads<{ reader: string; window: number }, Fingerprint>;
  private readonly now: () => number;
  /** Reads answered with a kept page, and reads that built one: for tests and diagnostics. */
  readonly stats = { kept: 0, built: 0 };

  constructor(
    db: Queryable,
    private readonly opts: HomePagesOptions,
  ) {
    this.fingerprints = new BatchedReads(
      async (wanted) => {
        const rows = await db.query<Fingerprint & { reader: string; window: number }>(
          FINGERPRINTS,
          [wanted.map((w) => w.reader), wanted.map((w) => w.window)],
          { prepared: 'strobe_home_fingerprints' },
        );
        return new Map(rows.map((r): [string, Fingerprint] => [`${r.reader}:${r.window}`, r]));
      },
      (w) => `${w.reader}:${w.window}`,
    );
    this.now = opts.now ?? Date.now;
  }

  /**
   * The reader's first page of `limit` rows (the route asks one more than it shows): the kept one
   * if its fingerprint still holds, else `build()`'s, kept when the fingerprint covers all of it.
   * `generation` is Names' generation, read by the caller before this call.
   */
  async read(readerId: string, limit: number, hidden: readonly string[], generation: number, build: () => Promise<Photo[]>): Promise<Photo[]> {
    const at = this.now();
    const window = limit + SLACK;
    // Read before the page: a write landing between the two makes the kept fingerprint older than
    // the page, so the next read builds again; the other order could keep an old page for good.
    const fp = await this.fingerprints.read({ reader: readerId, window });
    if (!fp) throw new Error(`no home page fingerprint for reader ${readerId}`);
    const kept = this.entries.get(readerId);
    if (
      kept &&
      kept.fingerprint === fp.f &&
      kept.limit === limit &&
      kept.generation === generation &&
      at - kept.at < this.opts.maxAgeMs &&
      sameIds(kept.hidden, hidden)
    ) {
      this.entries.delete(readerId); // most recently read last
      this.entries.set(readerId, kept);
      this.stats.kept++;
      return kept.rows;
    }
    const rows = await build();
    this.stats.built++;
    this.entries.delete(readerId);
    if (covers(fp, window, rows, limit)) {
      if (this.entries.size >= this.opts.maxReaders) this.entries.delete(this.entries.keys().next().value!);
      this.entries.set(readerId, { limit, hidden, generation, fingerprint: fp.f, at, rows });
    }
    return rows;
  }
}

/**
 * Whether every timeline row that could change the page is in the fingerprint: the whole timeline
 * fits in the window, or the page is full and ends inside it (rows below cannot enter a full page
 * without a newer row, or a change of one above, changing the fingerprint first).
 */
function covers(fp: Fingerprint, window: number, rows: Photo[], limit: number): boolean {
  if (fp.n < window) return true;
  const last = rows.at(-1);
  return rows.length === limit && last !== undefined && fp.low !== null && BigInt(last.id) >= BigInt(fp.low);
}

function sameIds(a: readonly string[], b: readonly string[]): boolean {
  if (a === b) return true;
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

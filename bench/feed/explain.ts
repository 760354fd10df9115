// EXPLAIN (ANALYZE, BUFFERS) of the feed queries exactly as Strobe sends them: listFeed runs against
// a Queryable that explains the SQL and parameters it receives instead of running them, so the
// plans never drift from src/features/photos/photos.repo.ts. (The explained query returns no rows,
// so the owners' names and cities, looked up only for ids a process has not met yet, are not shown.)
import pg from 'pg';
import type { Queryable } from '../../src/ports/db.js';
import { listFeed, Names, type Feed } from '../../src/features/photos/photos.repo.js';

export interface FeedPlan {
  feed: string;
  executionMs: number;
  planningMs: number;
  plan: string;
}

export async function explainFeeds(databaseUrl: string, viewerId: string): Promise<FeedPlan[]> {
  const db = new pg.Client({ connectionString: databaseUrl });
  await db.connect();
  try {
    const feeds: [string, Feed, string | null][] = [
      ['latest (signed out)', { kind: 'latest' }, null],
      ['home', { kind: 'home', userId: viewerId }, viewerId],
    ];
    const plans: FeedPlan[] = [];
    for (const [name, feed, viewer] of feeds) {
      let lines: string[] = [];
      const explaining: Queryable = {
        async query<T>(sql: string, params: readonly unknown[] = []) {
          const res = await db.query<{ 'QUERY PLAN': string }>(`explain (analyze, buffers) ${sql}`, params as unknown[]);
          lines = res.rows.map((r) => r['QUERY PLAN']);
          return [] as T[];
        },
        async exec() {},
      };
      // The first run warms the caches, as the load does; the second is the one reported.
      for (let i = 0; i < 2; i++) await listFeed(explaining, new Names(), feed, viewer, undefined, 21);
      const ms = (label: string) => Number(lines.find((l) => l.startsWith(label))?.match(/([\d.]+) ms/)?.[1] ?? NaN);
      plans.push({ feed: name, executionMs: ms('Execution Time'), planningMs: ms('Planning Time'), plan: lines.join('\n') });
    }
    return plans;
  } finally {
    await db.end();
  }
}

// Producers enqueue here, inside the transaction that makes the job necessary.
import type { Queryable } from '../ports/db.js';
import type { JobName, JobPayloads } from '../ports/jobs.js';

export async function enqueue<N extends JobName>(q: Queryable, name: N, payload: JobPayloads[N]): Promise<string> {
  const [row] = await q.query<{ id: string }>('insert into jobs (name, payload) values ($1, $2) returning id', [name, JSON.stringify(payload)]);
  return row!.id;
}

// The embedded job runner (jobs table on PGlite) against the runner contract, plus what only a
// database-backed runner can show: a job abandoned by a crash is taken again.
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { test } from 'node:test';
import { DbJobRunner } from '../../src/adapters/db/job-runner.js';
import { enqueue } from '../../src/jobs/outbox.js';
import { jobRunnerContract } from '../contracts/job-runner.contract.js';
import { openFreshDb } from '../helpers/data-dir.js';

jobRunnerContract('database (PGlite)', async () => {
  const { db, dispose } = await openFreshDb();
  return { db, dispose, runner: (opts) => new DbJobRunner(db, { ...opts, pollMs: 20 }) };
});

test('a job left running by a crashed runner is taken again when its lock expires', async (t) => {
  const { db, dispose } = await openFreshDb();
  t.after(dispose);
  const id = await enqueue(db, 'test.echo', { value: 'orphan' });
  // What a runner killed mid-job leaves behind.
  await db.query(`update jobs set status = 'running', attempts = 1, locked_until = now() - interval '1 second' where id = $1`, [id]);
  const attempts: number[] = [];
  const runner = new DbJobRunner(db, { pollMs: 20 });
  runner.handle('test.echo', async (job) => void attempts.push(job.attempt));
  await runner.start();
  t.after(() => runner.stop());
  const deadline = Date.now() + 5_000;
  while (attempts.length === 0 && Date.now() < deadline) await sleep(20);
  assert.deepEqual(attempts, [2]);
  assert.deepEqual(await db.query('select status from jobs where id = $1', [id]), [{ status: 'done' }]);
});

test('dead-lettered jobs keep their error for the admin page', async (t) => {
  const { db, dispose } = await openFreshDb();
  t.after(dispose);
  const runner = new DbJobRunner(db, { pollMs: 20, retry: { maxAttempts: 1, backoffMs: () => 0 } });
  runner.handle('test.echo', async () => {
    throw new Error('unreadable image');
  });
  await runner.start();
  t.after(() => runner.stop());
  const id = await enqueue(db, 'test.echo', { value: 'x' });
  const deadline = Date.now() + 5_000;
  let row: { status: string; last_error: string | null } | undefined;
  while (row?.status !== 'dead' && Date.now() < deadline) {
    [row] = await db.query<{ status: string; last_error: string | null }>('select status, last_error from jobs where id = $1', [id]);
    await sleep(20);
  }
  assert.deepEqual(row, { status: 'dead', last_error: 'unreadable image' });
});

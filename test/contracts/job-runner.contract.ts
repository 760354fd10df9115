// The contract of a JobRunner: jobs enqueued in a transaction run once they commit, retry with
// back-off, dead-letter after the last attempt, and wait for a runner that is not there yet.
// The RabbitMQ runner (cluster) runs the same suite.
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, test } from 'node:test';
import { enqueue } from '../../src/jobs/outbox.js';
import type { Db } from '../../src/ports/db.js';
import type { Job, JobRunner, RetryPolicy } from '../../src/ports/jobs.js';

export interface RunnerSetup {
  db: Db;
  runner(opts: { retry: RetryPolicy }): JobRunner;
  dispose(): Promise<void>;
}

const fastRetry: RetryPolicy = { maxAttempts: 3, backoffMs: (n) => 50 * n };

async function until(check: () => boolean | Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('timed out');
    await sleep(20);
  }
}

export function jobRunnerContract(name: string, setup: () => Promise<RunnerSetup>): void {
  describe(`JobRunner contract: ${name}`, () => {
    test('a committed job runs once, with its payload', async (t) => {
      const s = await setup();
      t.after(s.dispose);
      const seen: Job<'test.echo'>[] = [];
      const runner = s.runner({ retry: fastRetry });
      runner.handle('test.echo', async (job) => void seen.push(job));
      await runner.start();
      t.after(() => runner.stop());
      await s.db.tx((q) => enqueue(q, 'test.echo', { value: 'hello' }));
      await until(() => seen.length === 1);
      await sleep(300);
      assert.equal(seen.length, 1);
      assert.deepEqual([seen[0]!.payload, seen[0]!.attempt], [{ value: 'hello' }, 1]);
    });

    test('a rolled-back transaction enqueues nothing', async (t) => {
      const s = await setup();
      t.after(s.dispose);
      let runs = 0;
      const runner = s.runner({ retry: fastRetry });
      runner.handle('test.echo', async () => void runs++);
      await runner.start();
      t.after(() => runner.stop());
      await assert.rejects(
        s.db.tx(async (q) => {
          await enqueue(q, 'test.echo', { value: 'ghost' });
          throw new Error('abort');
        }),
      );
      await sleep(400);
      assert.equal(runs, 0);
    });

    test('a failing job is retried with back-off until it succeeds', async (t) => {
      const s = await setup();
      t.after(s.dispose);
      const attempts: number[] = [];
      const times: number[] = [];
      const runner = s.runner({ retry: fastRetry });
      runner.handle('test.echo', async (job) => {
        attempts.push(job.attempt);
        times.push(Date.now());
        if (job.attempt < 3) throw new Error(`flaky ${job.attempt}`);
      });
      await runner.start();
      t.after(() => runner.stop());
      await enqueue(s.db, 'test.echo', { value: 'flaky' });
      await until(() => attempts.length === 3);
      await sleep(300);
      assert.deepEqual(attempts, [1, 2, 3]);
      assert.ok(times[1]! - times[0]! >= 40 && times[2]! - times[1]! >= 90, `back-off grows: ${times.map((x) => x - times[0]!)}`);
    });

    test('a job that keeps failing is dead-lettered after the last attempt, once', async (t) => {
      const s = await setup();
      t.after(s.dispose);
      const dead: { job: Job; error: string }[] = [];
      let runs = 0;
      const runner = s.runner({ retry: fastRetry });
      runner.handle(
        'test.echo',
        async () => {
          runs++;
          throw new Error('always broken');
        },
        { onDead: async (job, error) => void dead.push({ job, error }) },
      );
      await runner.start();
      t.after(() => runner.stop());
      await enqueue(s.db, 'test.echo', { value: 'doomed' });
      await until(() => dead.length === 1);
      await sleep(400);
      assert.equal(runs, 3);
      assert.equal(dead.length, 1);
      assert.equal(dead[0]!.error, 'always broken');
      assert.deepEqual(dead[0]!.job.payload, { value: 'doomed' });
    });

    test('a dead job shows on inspection; retrying it moves it back to its queue, where it runs', async (t) => {
      const s = await setup();
      t.after(s.dispose);
      let broken = true;
      const ran: string[] = [];
      const outcomes: string[] = [];
      const lags: (number | null)[] = [];
      const runner = s.runner({ retry: { maxAttempts: 2, backoffMs: () => 20 } });
      runner.observe({ started: (_n, lag) => void lags.push(lag), finished: (n, outcome) => void outcomes.push(`${n}:${outcome}`) });
      runner.handle('test.echo', async (job) => {
        if (broken) throw new Error('still broken');
        ran.push(job.payload.value);
      });
      await runner.start();
      t.after(() => runner.stop());
      await enqueue(s.db, 'test.echo', { value: 'phoenix' });
      await until(async () => (await runner.inspect(['test.echo']))[0]!.dead === 1);
      assert.deepEqual(outcomes, ['test.echo:retry', 'test.echo:dead']);
      assert.ok(lags.length === 2 && lags.every((l) => l !== null && l >= 0 && l < 5_000), `lags: ${lags}`);
      const [info] = await runner.inspect(['test.echo']);
      assert.deepEqual({ ...info, consumers: info!.consumers > 0 }, { name: 'test.echo', depth: 0, consumers: true, dead: 1 });
      const dead = await runner.deadJobs('test.echo', 10);
      assert.deepEqual(
        dead.map((d) => [d.name, d.error, d.attempts]),
        [['test.echo', 'still broken', 2]],
      );
      // Looking does not consume: the job is still there.
      assert.equal((await runner.inspect(['test.echo']))[0]!.dead, 1);

      broken = false;
      assert.equal(await runner.retryDead('test.echo'), 1);
      await until(() => ran.length === 1);
      assert.deepEqual(ran, ['phoenix']);
      await until(async () => (await runner.inspect(['test.echo']))[0]!.dead === 0);
      assert.deepEqual(await runner.deadJobs('test.echo', 10), []);
      assert.equal(await runner.retryDead('test.echo'), 0);
      assert.equal(outcomes.at(-1), 'test.echo:done');
    });

    test('queues nothing was ever sent to inspect as empty', async (t) => {
      const s = await setup();
      t.after(s.dispose);
      const runner = s.runner({ retry: fastRetry });
      assert.deepEqual(await runner.inspect(['badges.check']), [{ name: 'badges.check', depth: 0, consumers: 0, dead: 0 }]);
      assert.deepEqual(await runner.deadJobs('badges.check', 5), []);
      assert.equal(await runner.retryDead('badges.check'), 0);
    });

    test('jobs wait while no runner is there, and all run when one starts', async (t) => {
      const s = await setup();
      t.after(s.dispose);
      for (let i = 0; i < 20; i++) await enqueue(s.db, 'test.echo', { value: `w${i}` });
      await sleep(200);
      const seen = new Set<string>();
      const runner = s.runner({ retry: fastRetry });
      runner.handle('test.echo', async (job) => void seen.add(job.payload.value));
      await runner.start();
      t.after(() => runner.stop());
      await until(() => seen.size === 20);
    });

    test('stop() lets running jobs finish', async (t) => {
      const s = await setup();
      t.after(s.dispose);
      let finished = false;
      let started = false;
      const runner = s.runner({ retry: fastRetry });
      runner.handle('test.echo', async () => {
        started = true;
        await sleep(300);
        finished = true;
      });
      await runner.start();
      await enqueue(s.db, 'test.echo', { value: 'slow' });
      await until(() => started);
      await runner.stop();
      assert.equal(finished, true);
    });
  });
}

// The readiness watchdog (src/ops/readiness.ts) on real timers, fed by a health function the test
// switches between answering, failing and hanging. The partition fault test (test/faults) runs it
// against real Redis and PostgreSQL cut off by the network.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { HealthReport } from '../../src/adapters/health.js';
import { CAN_SERVE_WITHOUT } from '../../src/http/health.js';
import { criticalFailures, nextReadiness, Readiness } from '../../src/ops/readiness.js';

type Mode = 'ok' | 'redis-down' | 'amqp-down' | 'hang' | 'throw';

/** A watchdog on short periods, a switchable health function, and a record of what it did. */
function watchdog(opts: { graceMs: number }) {
  let mode: Mode = 'ok';
  let calls = 0;
  let hanging = 0;
  const changes: boolean[] = [];
  const health = (): Promise<HealthReport> => {
    calls++;
    switch (mode) {
      case 'ok':
        return Promise.resolve({ database: 'ok', redis: 'ok', amqp: 'ok' });
      case 'redis-down':
        return Promise.resolve({ database: 'ok', redis: 'down: connect ETIMEDOUT', amqp: 'ok' });
      case 'amqp-down':
        return Promise.resolve({ database: 'ok', redis: 'ok', amqp: 'down: connection lost; reconnecting' });
      case 'hang':
        hanging++;
        return new Promise(() => {});
      case 'throw':
        return Promise.reject(new Error('checks broke'));
    }
  };
  const readiness = new Readiness({
    health,
    optional: CAN_SERVE_WITHOUT,
    onChange: (ready) => changes.push(ready),
    everyMs: 20,
    checkTimeoutMs: 50,
    graceMs: opts.graceMs,
  });
  const waitFor = async (what: string, check: () => boolean, timeoutMs = 10_000) => {
    const deadline = Date.now() + timeoutMs;
    while (!check()) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
      await new Promise((r) => setTimeout(r, 10));
    }
  };
  /** Waits until `n` more rounds have called health() (rounds that wait on a hanging call do not). */
  const rounds = async (n: number) => {
    const target = calls + n;
    await waitFor(`${n} rounds`, () => calls >= target);
  };
  return {
    readiness,
    changes,
    set: (m: Mode) => (mode = m),
    rounds,
    waitFor,
    get hanging() {
      return hanging;
    },
  };
}

test('the state machine: failures end readiness only once the grace has run out, one pass restores it', () => {
  const grace = 2_500;
  let s = { ready: true, failingSince: undefined as number | undefined };
  s = nextReadiness(s, { at: 1_000, failing: true }, grace);
  assert.deepEqual(s, { ready: true, failingSince: 1_000 });
  s = nextReadiness(s, { at: 3_000, failing: true }, grace);
  assert.deepEqual(s, { ready: true, failingSince: 1_000 });
  s = nextReadiness(s, { at: 3_500, failing: true }, grace);
  assert.deepEqual(s, { ready: false, failingSince: 1_000 });
  // Not ready stays not ready while the failures go on, however long.
  s = nextReadiness(s, { at: 90_000, failing: true }, grace);
  assert.equal(s.ready, false);
  s = nextReadiness(s, { at: 91_000, failing: false }, grace);
  assert.deepEqual(s, { ready: true, failingSince: undefined });
  // A blip: one failure and a pass within the grace leaves no trace.
  s = nextReadiness(s, { at: 92_000, failing: true }, grace);
  s = nextReadiness(s, { at: 93_000, failing: false }, grace);
  assert.deepEqual(s, { ready: true, failingSince: undefined });
  // The next failure starts a grace of its own.
  s = nextReadiness(s, { at: 94_000, failing: true }, grace);
  assert.deepEqual(s, { ready: true, failingSince: 94_000 });
});

test('a dependency the instance can serve without never counts', () => {
  assert.deepEqual(criticalFailures({ database: 'ok', redis: 'ok', amqp: 'down: x' }, CAN_SERVE_WITHOUT), []);
  assert.deepEqual(criticalFailures({ database: 'down: x', redis: 'ok', amqp: 'down: x' }, CAN_SERVE_WITHOUT), ['database']);
});

test('the watchdog gives up after the grace, keeps its last report, and becomes ready again by itself', async (t) => {
  const w = watchdog({ graceMs: 100 });
  t.after(() => w.readiness.stop());
  w.readiness.start();
  await w.rounds(3);
  assert.equal(w.readiness.ready, true);
  assert.deepEqual(w.changes, []);

  w.set('redis-down');
  await w.waitFor('not ready', () => !w.readiness.ready);
  assert.deepEqual(w.changes, [false], 'one change, told once');
  assert.equal(w.readiness.report.redis, 'down: connect ETIMEDOUT', 'the report names what is down');
  await w.rounds(3);
  assert.deepEqual(w.changes, [false], 'no repeated notice while it stays down');

  w.set('ok');
  await w.waitFor('ready again', () => w.readiness.ready);
  assert.deepEqual(w.changes, [false, true]);
  assert.deepEqual(w.readiness.report, { database: 'ok', redis: 'ok', amqp: 'ok' });
});

test('a health call that hangs counts as failed, and is waited on instead of being called again', async (t) => {
  const w = watchdog({ graceMs: 100 });
  t.after(() => w.readiness.stop());
  w.readiness.start();
  await w.rounds(2);
  w.set('hang');
  await w.waitFor('not ready', () => !w.readiness.ready);
  assert.equal(w.hanging, 1, 'one hanging call, never a pile of them');
  // Every critical dependency last seen is reported down; the one it can do without keeps its last state.
  assert.match(w.readiness.report.redis!, /^down: no answer within/);
  assert.match(w.readiness.report.database!, /^down: no answer within/);
  assert.equal(w.readiness.report.amqp, 'ok');
});

test('a health function that throws counts as failed, not as a crash', async (t) => {
  const w = watchdog({ graceMs: 100 });
  t.after(() => w.readiness.stop());
  w.set('throw');
  w.readiness.start();
  await w.waitFor('not ready', () => !w.readiness.ready);
  assert.equal(w.readiness.report.health, 'down: checks broke');
  w.set('ok');
  await w.waitFor('ready again', () => w.readiness.ready);
  assert.deepEqual(w.changes, [false, true]);
});

test('RabbitMQ down leaves the instance ready; failures shorter than the grace change nothing', async (t) => {
  const w = watchdog({ graceMs: 60_000 });
  t.after(() => w.readiness.stop());
  w.readiness.start();
  w.set('amqp-down');
  await w.rounds(5);
  assert.equal(w.readiness.ready, true);
  w.set('redis-down');
  await w.rounds(5);
  assert.equal(w.readiness.ready, true, 'still within the grace');
  w.set('ok');
  await w.rounds(2);
  assert.deepEqual(w.changes, []);
});

test('stop ends the rounds', async () => {
  const w = watchdog({ graceMs: 100 });
  w.readiness.start();
  await w.rounds(2);
  w.readiness.stop();
  w.set('redis-down');
  await new Promise((r) => setTimeout(r, 300));
  assert.equal(w.readiness.ready, true);
  assert.deepEqual(w.changes, []);
});

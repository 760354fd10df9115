// The contract every RealtimeBus keeps. Run it against each implementation:
// busContract('memory', (opts) => new MemoryBus(opts)).
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, test } from 'node:test';
import type { RealtimeBus } from '../../src/ports/bus.js';
import { compareOffsets } from '../../src/shared/realtime.js';
import type { Envelope } from '../../src/shared/realtime.js';

export interface BusFactoryOptions {
  windowMs: number;
  maxEvents: number;
}

export interface BusContractOptions {
  /** A second bus on the same backend (another instance), when the implementation has one. */
  peer?: (opts: BusFactoryOptions) => Promise<RealtimeBus>;
}

const msg = (n: number) => ({ id: String(n), room: 'r', user: { id: '1', username: 'u' }, text: `m${n}`, kind: 'text' as const, createdAt: '' });

function collector(bus: RealtimeBus) {
  const seen: Envelope[] = [];
  bus.onEvent((e) => seen.push(e));
  return {
    seen,
    async until(n: number, timeoutMs = 2_000) {
      const deadline = Date.now() + timeoutMs;
      while (seen.length < n && Date.now() < deadline) await sleep(5);
      return seen;
    },
  };
}

export function busContract(
  name: string,
  create: (opts: BusFactoryOptions) => Promise<RealtimeBus>,
  options: BusContractOptions = {},
): void {
  const defaults = { windowMs: 60_000, maxEvents: 100 };
  const uniq = () => `s${Math.random().toString(36).slice(2, 10)}`;

  describe(`RealtimeBus contract: ${name}`, () => {
    test('offsets strictly increase per stream and the envelope is complete', async (t) => {
      const bus = await create(defaults);
      t.after(() => bus.close());
      const stream = uniq();
      const envs = [];
      for (let i = 0; i < 50; i++) envs.push(await bus.publish(stream, 'chat.message', msg(i)));
      for (let i = 1; i < envs.length; i++) assert.ok(compareOffsets(envs[i]!.offset, envs[i - 1]!.offset) > 0);
      assert.equal(envs[0]!.stream, stream);
      assert.equal(envs[0]!.type, 'chat.message');
      assert.deepEqual(envs[0]!.data, msg(0));
      assert.ok(Math.abs(envs[0]!.ts - Date.now()) < 5_000);
    });

    test('publishMany puts the event on every stream, each with its own offset and replay', async (t) => {
      const bus = await create(defaults);
      t.after(() => bus.close());
      const streams = Array.from({ length: 250 }, uniq);
      const first = await bus.publish(streams[0]!, 'chat.message', msg(0));
      const last = await bus.publish(streams[249]!, 'chat.message', msg(0));
      const got = collector(bus);
      await bus.listen(streams[7]!);
      await bus.publishMany(streams, 'chat.message', msg(1));
      await bus.publishMany([], 'chat.message', msg(2)); // nothing to do is fine
      const seen = await got.until(1);
      assert.deepEqual(seen.map((e) => [e.stream, e.data]), [[streams[7], msg(1)]]);
      for (const since of [first, last]) {
        const r = await bus.replay(since.stream, since.offset);
        assert.equal(r.recovered, true);
        assert.deepEqual(r.events.map((e) => [e.stream, e.data]), [[since.stream, msg(1)]]);
      }
    });

    test('delivers to listeners in publish order, and stops after unlisten', async (t) => {
      const bus = await create(defaults);
      t.after(() => bus.close());
      const got = collector(bus);
      const [a, b] = [uniq(), uniq()];
      await bus.listen(a);
      for (let i = 0; i < 20; i++) await bus.publish(i % 2 ? a : b, 'chat.message', msg(i));
      await got.until(10);
      assert.deepEqual(
        got.seen.map((e) => e.data),
        [1, 3, 5, 7, 9, 11, 13, 15, 17, 19].map(msg),
        'only the listened stream, in order',
      );
      await bus.unlisten(a);
      await bus.publish(a, 'chat.message', msg(99));
      await sleep(100);
      assert.equal(got.seen.length, 10);
    });

    test('replay returns exactly the events after `since`, in order', async (t) => {
      const bus = await create(defaults);
      t.after(() => bus.close());
      const stream = uniq();
      const envs = [];
      for (let i = 0; i < 10; i++) envs.push(await bus.publish(stream, 'chat.message', msg(i)));
      const r = await bus.replay(stream, envs[3]!.offset);
      assert.equal(r.recovered, true);
      assert.deepEqual(r.events.map((e) => e.offset), envs.slice(4).map((e) => e.offset));
      assert.equal(r.head, envs[9]!.offset);
      const none = await bus.replay(stream, envs[9]!.offset);
      assert.deepEqual([none.recovered, none.events.length], [true, 0]);
    });

    test('without `since` there is nothing to recover, but the head is given', async (t) => {
      const bus = await create(defaults);
      t.after(() => bus.close());
      const stream = uniq();
      assert.deepEqual(await bus.replay(stream, undefined), { recovered: false, events: [], head: undefined });
      const env = await bus.publish(stream, 'chat.message', msg(1));
      const r = await bus.replay(stream, undefined);
      assert.deepEqual([r.recovered, r.events.length, r.head], [false, 0, env.offset]);
    });

    test('a quiet stream resumes from an offset seen elsewhere since the bus started', async (t) => {
      const bus = await create(defaults);
      t.after(() => bus.close());
      const marker = await bus.publish(uniq(), 'chat.message', msg(0));
      const r = await bus.replay(uniq(), marker.offset);
      assert.deepEqual([r.recovered, r.events.length], [true, 0]);
    });

    test('never a partial replay: past the count cap the answer is recovered: false', async (t) => {
      const bus = await create({ windowMs: 60_000, maxEvents: 10 });
      t.after(() => bus.close());
      const stream = uniq();
      const envs = [];
      for (let i = 0; i < 30; i++) envs.push(await bus.publish(stream, 'chat.message', msg(i)));
      const old = await bus.replay(stream, envs[2]!.offset);
      assert.deepEqual([old.recovered, old.events.length], [false, 0]);
      const recent = await bus.replay(stream, envs[25]!.offset);
      assert.equal(recent.recovered, true);
      assert.deepEqual(recent.events.map((e) => e.data), [26, 27, 28, 29].map(msg));
    });

    test('never a partial replay: past the time window the answer is recovered: false', async (t) => {
      const bus = await create({ windowMs: 1_000, maxEvents: 100 });
      t.after(() => bus.close());
      const stream = uniq();
      const first = await bus.publish(stream, 'chat.message', msg(0));
      await bus.publish(stream, 'chat.message', msg(1));
      await sleep(1_300);
      const last = await bus.publish(stream, 'chat.message', msg(2));
      const r = await bus.replay(stream, first.offset);
      assert.deepEqual([r.recovered, r.events.length], [false, 0]);
      const ok = await bus.replay(stream, last.offset);
      assert.deepEqual([ok.recovered, ok.events.length], [true, 0]);
    });

    test('an offset from before the bus existed, or from the future, is not trusted', async (t) => {
      const bus = await create(defaults);
      t.after(() => bus.close());
      const stream = uniq();
      await bus.publish(stream, 'chat.message', msg(0));
      assert.equal((await bus.replay(stream, '1000-0')).recovered, false);
      assert.equal((await bus.replay(stream, `${Date.now() + 3_600_000}-0`)).recovered, false);
    });

    if (options.peer) {
      const peerOf = options.peer;
      test('instances on one backend share offsets, history and deliveries', async (t) => {
        const a = await create(defaults);
        const b = await peerOf(defaults);
        t.after(() => Promise.all([a.close(), b.close()]));
        const got = collector(b);
        const stream = uniq();
        await b.listen(stream);
        const envs = [];
        for (let i = 0; i < 10; i++) envs.push(await (i % 2 ? a : b).publish(stream, 'chat.message', msg(i)));
        await got.until(10);
        assert.deepEqual(got.seen.map((e) => e.offset), envs.map((e) => e.offset));
        const r = await a.replay(stream, envs[4]!.offset);
        assert.deepEqual(r.events.map((e) => e.offset), envs.slice(5).map((e) => e.offset));
      });
    }
  });
}

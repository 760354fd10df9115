// The contract every RealtimeBus keeps. Run it against each implementation:
// busContract('memory', (opts) => new MemoryBus(opts)).
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, test } from 'node:test';
import type { RealtimeBus } from '../../src/ports/bus.js';
import { compareOffsets } from '../../src/shared/realtime.js';
import type { Envelope } from '../../src/shared/realtime.js';
import { userRef } from '../helpers/users.js';

export interface BusFactoryOptions {
  windowMs: number;
  maxEvents: number;
}

export interface BusContractOptions {
  /** A second bus on the same backend (another instance), when the implementation has one. */
  peer?: (opts: BusFactoryOptions) => Promise<RealtimeBus>;
}

const msg = (n: number) => ({ id: String(n), room: 'r', user: userRef('1', 'u'), text: `m${n}`, kind: 'text' as const, createdAt: '' });

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

    test('publishMany with a dedupe key gives each stream that event once, however often it is re-run', async (t) => {
      const bus = await create(defaults);
      t.after(() => bus.close());
      const streams = Array.from({ length: 6 }, uniq);
      const starts = await Promise.all(streams.map((s) => bus.publish(s, 'chat.message', msg(0))));
      const got = collector(bus);
      for (const s of streams) await bus.listen(s);
      // A fan-out killed after its first batch, then run again over every stream, twice.
      await bus.publishMany(streams.slice(0, 2), 'chat.message', msg(1), { dedupeKey: 'k1' });
      await bus.publishMany(streams, 'chat.message', msg(1), { dedupeKey: 'k1' });
      await bus.publishMany(streams, 'chat.message', msg(1), { dedupeKey: 'k1' });
      // Another key is another event.
      await bus.publishMany(streams.slice(0, 1), 'chat.message', msg(2), { dedupeKey: 'k2' });
      await got.until(7);
      await sleep(100); // a duplicate would arrive now
      assert.deepEqual(
        got.seen.map((e) => [e.stream, (e.data as { id: string }).id]).sort(),
        [...streams.map((s) => [s, '1']), [streams[0], '2']].sort(),
        'live: once per stream and key',
      );
      for (const [i, start] of starts.entries()) {
        const r = await bus.replay(start.stream, start.offset);
        assert.equal(r.recovered, true);
        assert.deepEqual(r.events.map((e) => (e.data as { id: string }).id), i === 0 ? ['1', '2'] : ['1'], `replay of ${start.stream}`);
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

    test('a volatile event on a quiet stream does not refuse an offset it would have taken before', async (t) => {
      const bus = await create(defaults);
      t.after(() => bus.close());
      const marker = await bus.publish(uniq(), 'chat.message', msg(0));
      const quiet = uniq();
      const v = await bus.publish(quiet, 'presence.joined', { user: userRef('1', 'u') }, { volatile: true });
      const r = await bus.replay(quiet, marker.offset);
      assert.deepEqual([r.recovered, r.events.length], [true, 0]);
      const d = await bus.publish(quiet, 'chat.message', msg(1));
      const later = await bus.replay(quiet, marker.offset);
      assert.deepEqual([later.recovered, later.events.map((e) => e.offset)], [true, [d.offset]]);
      assert.ok(compareOffsets(d.offset, v.offset) > 0);
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

    test('volatile events are delivered live in order with the others, and never replayed or counted in history', async (t) => {
      const bus = await create({ windowMs: 60_000, maxEvents: 10 });
      t.after(() => bus.close());
      const got = collector(bus);
      const stream = uniq();
      await bus.listen(stream);
      const durable: Envelope[] = [];
      const all: Envelope[] = [];
      const message = async (i: number) => {
        const env = await bus.publish(stream, 'chat.message', msg(i));
        durable.push(env);
        all.push(env);
      };
      for (let i = 0; i < 5; i++) await message(i);
      // Five times the history's cap: stored, they would push every message out.
      for (let i = 0; i < 50; i++) all.push(await bus.publish(stream, 'presence.joined', { user: userRef(String(i), `u${i}`) }, { volatile: true }));
      await message(5);
      for (let i = 1; i < all.length; i++) assert.ok(compareOffsets(all[i]!.offset, all[i - 1]!.offset) > 0, `${all[i]!.offset} after ${all[i - 1]!.offset}`);
      assert.deepEqual(all[7]!.data, { user: userRef('2', 'u2') });
      await got.until(all.length);
      assert.deepEqual(got.seen.map((e) => e.offset), all.map((e) => e.offset), 'every event, live, in offset order');

      const r = await bus.replay(stream, durable[0]!.offset);
      assert.equal(r.recovered, true, 'the messages are all still there');
      assert.deepEqual(r.events.map((e) => e.offset), durable.slice(1).map((e) => e.offset));
      assert.equal(r.head, durable.at(-1)!.offset);
    });

    test('a resume from a volatile offset is replayed exactly the durable events after it', async (t) => {
      const bus = await create(defaults);
      t.after(() => bus.close());
      const stream = uniq();
      const user = { user: userRef('1', 'u') };
      const d0 = await bus.publish(stream, 'chat.message', msg(0));
      const v1 = await bus.publish(stream, 'presence.joined', user, { volatile: true });
      const d2 = await bus.publish(stream, 'chat.message', msg(2));
      const v3 = await bus.publish(stream, 'presence.left', user, { volatile: true });
      await bus.publishMany([stream], 'chat.message', msg(4));
      const d5 = await bus.publish(stream, 'chat.message', msg(5));
      assert.ok(compareOffsets(v1.offset, d0.offset) > 0 && compareOffsets(d2.offset, v1.offset) > 0);

      const fromV1 = await bus.replay(stream, v1.offset);
      assert.equal(fromV1.recovered, true);
      assert.deepEqual(fromV1.events.map((e) => e.data), [msg(2), msg(4), msg(5)]);
      assert.equal(fromV1.events[0]!.offset, d2.offset);
      const fromV3 = await bus.replay(stream, v3.offset);
      assert.equal(fromV3.recovered, true);
      assert.deepEqual(fromV3.events.map((e) => e.data), [msg(4), msg(5)]);
      assert.ok(compareOffsets(fromV3.events[0]!.offset, v3.offset) > 0, 'a fan-out after a volatile event is above it');
      assert.equal(fromV3.head, d5.offset);

      // A stream that never had a durable event.
      const fresh = uniq();
      const v = await bus.publish(fresh, 'presence.joined', user, { volatile: true });
      assert.deepEqual(await bus.replay(fresh, v.offset), { recovered: true, events: [], head: undefined });
      const d = await bus.publish(fresh, 'chat.message', msg(9));
      assert.ok(compareOffsets(d.offset, v.offset) > 0);
      const r = await bus.replay(fresh, v.offset);
      assert.deepEqual([r.recovered, r.events.map((e) => e.offset)], [true, [d.offset]]);
    });

    test('a volatile event on a stream whose history expired does not vouch for what was lost', async (t) => {
      const bus = await create({ windowMs: 200, maxEvents: 100 });
      t.after(() => bus.close());
      const stream = uniq();
      const old = await bus.publish(stream, 'chat.message', msg(0));
      await bus.publish(stream, 'chat.message', msg(1));
      await sleep(600); // past the window, and past twice the window, for every bus
      const v = await bus.publish(stream, 'presence.left', { user: userRef('1', 'u') }, { volatile: true });
      const r = await bus.replay(stream, old.offset);
      assert.deepEqual([r.recovered, r.events.length], [false, 0], 'msg(1) is gone: never a partial replay');
      const fromV = await bus.replay(stream, v.offset);
      assert.deepEqual([fromV.recovered, fromV.events.length], [true, 0]);
      const d = await bus.publish(stream, 'chat.message', msg(2));
      const again = await bus.replay(stream, old.offset);
      assert.deepEqual([again.recovered, again.events.length], [false, 0]);
      const fromV2 = await bus.replay(stream, v.offset);
      assert.deepEqual([fromV2.recovered, fromV2.events.map((e) => e.offset)], [true, [d.offset]]);
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

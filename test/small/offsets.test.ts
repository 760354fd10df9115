import assert from 'node:assert/strict';
import { test } from 'node:test';
import { compareOffsets, isOffset, OffsetClock } from '../../src/realtime/offsets.js';

test('offsets compare numerically, not as strings', () => {
  assert.ok(compareOffsets('999-0', '1000-0') < 0);
  assert.ok(compareOffsets('1000-10', '1000-9') > 0);
  assert.equal(compareOffsets('5-5', '5-5'), 0);
});

test('the clock never goes back, even when time does', () => {
  let now = 1_000;
  const clock = new OffsetClock(() => now);
  const seen = [clock.next(), clock.next()];
  now = 900; // the wall clock stepped back
  seen.push(clock.next());
  now = 2_000;
  seen.push(clock.next());
  assert.deepEqual(seen, ['1000-0', '1000-1', '1000-2', '2000-0']);
});

test('only well-formed offsets are accepted from clients', () => {
  for (const good of ['0-0', '1795226652147-12']) assert.equal(isOffset(good), true);
  for (const bad of ['', '12', '-1-0', '1-', 'a-b', '1-2-3', 12, null, '1'.repeat(20) + '-0']) assert.equal(isOffset(bad), false);
});

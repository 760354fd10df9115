// BatchedReads (src/adapters/db/batched-reads.ts): reads that arrive while a query runs share the
// next one, never the running one; a key asked for twice is read once; a failed query fails its
// own readers only; a batch never holds more than its bound.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { BatchedReads } from '../../src/adapters/db/batched-reads.js';

/** A reader whose queries wait until the test answers them, each with the keys it was asked for. */
function heldReader() {
  const queries: { keys: string[]; answer: (fail?: Error) => void }[] = [];
  const reads = new BatchedReads<string, string>(
    (keys) =>
      new Promise((resolve, reject) => {
        queries.push({ keys, answer: (fail) => (fail ? reject(fail) : resolve(new Map(keys.filter((k) => k !== 'missing').map((k) => [k, `value of ${k}`])))) });
      }),
    (key) => key,
    3,
  );
  const settled = () => new Promise((resolve) => setImmediate(resolve));
  return { reads, queries, settled };
}

test('reads arriving while a query runs go together in the next one, each key once', async () => {
  const { reads, queries, settled } = heldReader();
  const first = reads.read('a');
  await settled();
  assert.deepEqual(queries.map((q) => q.keys), [['a']]);
  const later = [reads.read('b'), reads.read('a'), reads.read('b')];
  await settled();
  assert.equal(queries.length, 1, 'nothing joins the running query');
  queries[0]!.answer();
  assert.equal(await first, 'value of a');
  await settled();
  assert.deepEqual(queries[1]!.keys, ['b', 'a']);
  queries[1]!.answer();
  assert.deepEqual(await Promise.all(later), ['value of b', 'value of a', 'value of b']);
});

test('a key the query does not answer reads as undefined; a failed query fails its readers, and the next read queries again', async () => {
  const { reads, queries, settled } = heldReader();
  const missing = reads.read('missing');
  await settled();
  queries[0]!.answer();
  assert.equal(await missing, undefined);

  const failing = reads.read('a');
  await settled();
  queries[1]!.answer(new Error('the database went away'));
  await assert.rejects(failing, /went away/);

  const again = reads.read('a');
  await settled();
  queries[2]!.answer();
  assert.equal(await again, 'value of a');
});

test('a batch holds at most its bound; the rest go in the next one', async () => {
  const { reads, queries, settled } = heldReader();
  const first = reads.read('x');
  await settled();
  const waiting = ['a', 'b', 'c', 'd', 'e'].map((k) => reads.read(k));
  queries[0]!.answer();
  await first;
  await settled();
  assert.deepEqual(queries[1]!.keys, ['a', 'b', 'c']);
  queries[1]!.answer();
  await settled();
  assert.deepEqual(queries[2]!.keys, ['d', 'e']);
  queries[2]!.answer();
  assert.deepEqual(await Promise.all(waiting), ['a', 'b', 'c', 'd', 'e'].map((k) => `value of ${k}`));
});

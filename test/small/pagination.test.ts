import assert from 'node:assert/strict';
import { test } from 'node:test';
import { AppError } from '../../src/errors.js';
import { encodeCursor, idKey, pageParams, toPage } from '../../src/http/pagination.js';

test('a page of limit+1 rows has a cursor to the last item shown', () => {
  const page = toPage([{ id: '9' }, { id: '8' }, { id: '7' }], 2, (r) => ({ id: r.id }));
  assert.deepEqual(page.items, [{ id: '9' }, { id: '8' }]);
  assert.deepEqual(pageParams({ before: page.next! }, idKey).before, '8');
  assert.equal(toPage([{ id: '1' }], 2, (r) => r).next, null);
});

test('limits and cursors are validated', () => {
  assert.equal(pageParams({}, idKey).limit, 20);
  assert.equal(pageParams({ limit: '100' }, idKey).limit, 100);
  for (const limit of ['0', '101', '9999']) {
    assert.throws(() => pageParams({ limit }, idKey), (e: unknown) => e instanceof AppError && e.code === 'VALIDATION');
  }
  for (const before of ['garbage', encodeCursor({ id: 'x' }), encodeCursor([1]), '%%%']) {
    assert.throws(() => pageParams({ before }, idKey), (e: unknown) => e instanceof AppError && e.code === 'VALIDATION');
  }
});

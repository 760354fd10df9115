// If-None-Match as /media reads it: a list of entity tags, weak ones included, or `*`.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ifNoneMatch } from '../../src/http/media.js';

test('a list with a weak tag, odd spacing and *', () => {
  const header = '"a", W/"b" ,  *';
  assert.equal(ifNoneMatch(header, '"a"'), true);
  assert.equal(ifNoneMatch(header, '"b"'), true, 'weak comparison, as for GET');
  assert.equal(ifNoneMatch(header, '"c"'), true, '* matches any current representation');
  assert.equal(ifNoneMatch('"a", W/"b"', '"c"'), false);
  assert.equal(ifNoneMatch('"a", W/"b"', '"b"'), true);
  assert.equal(ifNoneMatch('"ab"', '"a"'), false);
  assert.equal(ifNoneMatch(' \t"a"\t ', '"a"'), true);
  assert.equal(ifNoneMatch(undefined, '"a"'), false);
  assert.equal(ifNoneMatch('', '"a"'), false);
});

test('64 kB of commas and spaces is read in one pass and matches nothing', () => {
  // Splitting on a pattern of optional spaces around a comma retries every space of a long run:
  // 64 kB of spaces used to take seconds. The header is the client's.
  for (const junk of [' ,'.repeat(32 * 1024), ' '.repeat(64 * 1024), ', '.repeat(16 * 1024) + ' '.repeat(32 * 1024), ','.repeat(64 * 1024)]) {
    assert.equal(ifNoneMatch(junk, '"a"'), false);
    assert.equal(ifNoneMatch(`${junk}"a"`, '"a"'), true);
    assert.equal(ifNoneMatch(`${junk}, *`, '"a"'), true);
  }
});

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseChatText } from '../../src/features/chat/chat.text.js';

test('plain text stays as typed, trimmed', () => {
  assert.deepEqual(parseChatText('  hello <b>world</b>  '), { ok: true, text: 'hello <b>world</b>', kind: 'text' });
});

test('/me makes an action', () => {
  assert.deepEqual(parseChatText('/me waves'), { ok: true, text: 'waves', kind: 'action' });
  assert.deepEqual(parseChatText('/meh'), { ok: true, text: '/meh', kind: 'text' });
  assert.equal(parseChatText('/me   ').ok, false);
});

test('control characters go, newlines and tabs stay', () => {
  assert.deepEqual(parseChatText('a\u0000b\u0007c\r\nd\te\u202Ef'), { ok: true, text: 'abc\nd\tef', kind: 'text' });
});

test('empty, too long and non-string texts are refused', () => {
  assert.equal(parseChatText('').ok, false);
  assert.equal(parseChatText(' \n\t ').ok, false);
  assert.equal(parseChatText('\u0000\u0001').ok, false);
  assert.equal(parseChatText('x'.repeat(1001)).ok, false);
  assert.equal(parseChatText('x'.repeat(1000)).ok, true);
  assert.equal(parseChatText('😀'.repeat(1000)).ok, true, 'counted in characters, not UTF-16 units');
  assert.equal(parseChatText(42).ok, false);
  assert.equal(parseChatText(undefined).ok, false);
});

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseChatText } from '../../src/features/chat/chat.text.js';
import { sanitizeText } from '../../src/shared/text.js';

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

test('invisible characters that hide or reorder text go; the joiner inside emoji stays', () => {
  const hidden = ['\u200B', '\u200C', '\u200D', '\u200E', '\u200F', '\u061C', '\uFEFF'];
  assert.equal(sanitizeText(`a${hidden.join('b')}c`), 'abbbbbbc');
  assert.equal(sanitizeText('\uFEFFhello\u200B'), 'hello', 'a byte order mark in front, a zero-width space at the end');
  assert.equal(sanitizeText('ad\u200Dmin'), 'admin', 'a joiner between letters joins nothing');
  for (const emoji of ['👨‍👩‍👧', '🏳️‍🌈', '👩🏽‍💻', '❤️‍🔥', '🏴‍☠️', '🏃🏽‍♀️']) {
    assert.equal(sanitizeText(`family ${emoji}!`), `family ${emoji}!`, emoji);
  }
  assert.equal(sanitizeText('👩\u200D'), '👩', 'a joiner that joins nothing after it');
  assert.equal(sanitizeText('\u200D👩'), '👩', 'or before it');
  assert.equal(sanitizeText('👩\u200D\u200B👧'), '👩👧', 'hidden characters inside an emoji break it rather than hide');
  assert.deepEqual(parseChatText('\u200B\u200E'), { ok: false, message: 'Messages cannot be empty.' });
});

test('stripping stays linear on long runs of emoji and joiners', () => {
  const started = performance.now();
  sanitizeText('👨\u200D'.repeat(200_000));
  sanitizeText('\u200D'.repeat(400_000));
  sanitizeText('🏳️'.repeat(200_000) + '\u200D');
  assert.ok(performance.now() - started < 2_000, `${Math.round(performance.now() - started)} ms`);
});

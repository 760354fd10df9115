// The browser's rich-text tokenizer: it gives the text back unchanged, links exactly what the
// server treats as a mention or a tag, keeps markup as text, and stays linear on hostile input.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { parseMentions } from '../../src/features/comments/comments.text.js';
import { normalizeTag as serverNormalizeTag, parseTags } from '../../src/features/tags/tags.text.js';
import { normalizeTag, tagHref, tokenize, type RichPart } from '../../web/src/lib/rich-text.js';

const join = (parts: RichPart[]) => parts.map((p) => p.text).join('');
const links = (text: string) => tokenize(text).filter((p) => p.kind !== 'text');
const tagsOf = (text: string) => [...new Set(tokenize(text).flatMap((p) => (p.kind === 'tag' ? [p.tag] : [])))];
const mentionsOf = (text: string) => [...new Set(tokenize(text).flatMap((p) => (p.kind === 'mention' ? [p.username] : [])))];

/** Characters that make the rules' edge cases likely: markers, word characters, marks, emoji, space. */
const tricky = fc.constantFrom(
  '@', '#', 'a', 'B', 'z', '0', '9', '_', '-', '.', ' ', '\n', 'é', 'e\u0301', '\u0301', 'İ', 'ß', '東', 'न', '\u094D',
  '½', '🌅', '👩🏽‍💻', '<', '>', '"', "'", '&', '/', '\u200D', '\uD800', 'Ⅻ', '٣',
);
const trickyText = fc.array(tricky, { maxLength: 80 }).map((chars) => chars.join(''));
const anyText = fc.oneof(trickyText, fc.string({ unit: 'grapheme', maxLength: 60 }), fc.string({ unit: 'binary', maxLength: 60 }));

test('joining the parts gives the input back, whatever it is', () => {
  fc.assert(
    fc.property(anyText, (text) => {
      assert.equal(join(tokenize(text)), text);
    }),
    { numRuns: 2_000 },
  );
});

test('no empty parts, and never two text parts in a row', () => {
  fc.assert(
    fc.property(anyText, (text) => {
      const parts = tokenize(text);
      for (const [i, p] of parts.entries()) {
        assert.notEqual(p.text, '');
        if (i > 0) assert.ok(!(p.kind === 'text' && parts[i - 1]!.kind === 'text'));
      }
    }),
    { numRuns: 1_000 },
  );
});

test('links what the server mentions and tags, in the same order (NFC text, as the server stores tags)', () => {
  fc.assert(
    fc.property(trickyText, (raw) => {
      const text = raw.normalize('NFC');
      assert.deepEqual(mentionsOf(text).slice(0, 10), parseMentions(text));
      assert.deepEqual(tagsOf(text).slice(0, 20), parseTags(text));
    }),
    { numRuns: 3_000 },
  );
});

test('normalizeTag agrees with the server', () => {
  fc.assert(
    fc.property(fc.oneof(trickyText, fc.string({ unit: 'grapheme', maxLength: 60 })), (raw) => {
      const bare = raw.startsWith('#') ? raw.slice(1) : raw;
      assert.equal(normalizeTag(bare), serverNormalizeTag(raw));
    }),
    { numRuns: 2_000 },
  );
});

test('mentions and tags, with the text around them', () => {
  assert.deepEqual(tokenize('Sunset with @Ann_1 at #Paris!'), [
    { kind: 'text', text: 'Sunset with ' },
    { kind: 'mention', text: '@Ann_1', username: 'ann_1' },
    { kind: 'text', text: ' at ' },
    { kind: 'tag', text: '#Paris', tag: 'paris' },
    { kind: 'text', text: '!' },
  ]);
  assert.deepEqual(links('#a#b'), [
    { kind: 'tag', text: '#a', tag: 'a' },
    { kind: 'tag', text: '#b', tag: 'b' },
  ]);
  assert.deepEqual(links('#cafe\u0301'), [{ kind: 'tag', text: '#cafe\u0301', tag: 'caf\u00e9' }]);
  assert.deepEqual(links('@bob-x'), [{ kind: 'mention', text: '@bob', username: 'bob' }]);
  assert.equal(tagHref('東京'), '/tags/%E6%9D%B1%E4%BA%AC');
});

test('what is not a username or a tag stays text', () => {
  for (const text of [
    'me@example.com', // after a word character
    '@@bob', // after another @
    '@ab', // too short
    `@${'a'.repeat(31)}`, // too long to be a username (never cut into one)
  ]) {
    assert.deepEqual(links(text), [], text);
    assert.deepEqual(tokenize(text), [{ kind: 'text', text }]);
  }
  assert.deepEqual(links('@bob\u00e9'), [{ kind: 'mention', text: '@bob', username: 'bob' }], 'as the server: \\b is ASCII');
  assert.deepEqual(links(`#${'a'.repeat(50)}`).length, 1);
  assert.deepEqual(links(`#${'a'.repeat(51)}`), [], 'a tag over 50 characters is none, not a shorter one');
  assert.deepEqual(links('# ## #🌅 #½'), []);
});

test('markup stays text: XSS payloads come back as text parts, links only around @ and #', () => {
  const payloads = [
    '<img src=x onerror=alert(1)>',
    '<script>alert(1)</script>',
    '"><svg onload=alert(1)>',
    'javascript:alert(1)',
    '<a href="javascript:alert(1)">x</a>',
    '&lt;b&gt;',
  ];
  for (const p of payloads) assert.deepEqual(tokenize(p), [{ kind: 'text', text: p }], p);
  const mixed = '<img src=x onerror=alert(1)> #tag @username';
  assert.deepEqual(tokenize(mixed), [
    { kind: 'text', text: '<img src=x onerror=alert(1)> ' },
    { kind: 'tag', text: '#tag', tag: 'tag' },
    { kind: 'text', text: ' ' },
    { kind: 'mention', text: '@username', username: 'username' },
  ]);
  // A link's target is built from the normalized name only: nothing of the markup can reach it.
  fc.assert(
    fc.property(anyText, (text) => {
      for (const p of links(text)) {
        if (p.kind === 'mention') assert.match(p.username, /^[a-z0-9_]{3,30}$/);
        else assert.match(p.tag, /^[\p{L}\p{M}\p{Nd}_]{1,50}$/u);
      }
    }),
    { numRuns: 1_000 },
  );
});

test('linear on hostile input: long runs of markers and word characters', () => {
  const inputs = [
    '@'.repeat(100_000),
    '#'.repeat(100_000),
    '@a'.repeat(50_000),
    '#a'.repeat(50_000),
    `#${'a'.repeat(200_000)}`,
    `@${'a'.repeat(200_000)}`,
    'a@'.repeat(50_000),
    `${'@'.repeat(50_000)}${'a'.repeat(50_000)}`,
    `${'\u0301'.repeat(100_000)}`,
  ];
  for (const input of inputs) {
    const started = performance.now();
    const parts = tokenize(input);
    const ms = performance.now() - started;
    assert.equal(join(parts), input);
    assert.ok(ms < 500, `${input.slice(0, 10)}… (${input.length} chars) took ${ms.toFixed(0)} ms`);
  }
});

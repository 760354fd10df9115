import assert from 'node:assert/strict';
import { test } from 'node:test';
import { normalizeTag, parseTags, TAG_LIMITS } from '../../src/features/tags/tags.text.js';

test('tags are found anywhere in the text, lower-cased, once each, in reading order', () => {
  assert.deepEqual(parseTags('Golden hour #Sunset at the #beach, #SUNSET again'), ['sunset', 'beach']);
  assert.deepEqual(parseTags('#a'), ['a']);
  assert.deepEqual(parseTags('no tags here'), []);
  assert.deepEqual(parseTags(''), []);
});

test('#a#b holds two tags; a lone # or ## holds none', () => {
  assert.deepEqual(parseTags('#a#b'), ['a', 'b']);
  assert.deepEqual(parseTags('##a'), ['a']);
  assert.deepEqual(parseTags('# # ## #'), []);
});

test('punctuation ends a tag; underscores and digits belong to it', () => {
  assert.deepEqual(parseTags('#rain! #rain_2024, (#paris) #new-york #café.'), ['rain', 'rain_2024', 'paris', 'new', 'café']);
  assert.deepEqual(parseTags('#2024'), ['2024']);
  assert.deepEqual(parseTags('email@x.com #ok?'), ['ok']);
});

test('unicode letters and marks: other scripts, NFC, case folding', () => {
  assert.deepEqual(parseTags('#東京 #Москва #नमस्ते #ÉTÉ'), ['東京', 'москва', 'नमस्ते', 'été']);
  // Decomposed é (e + U+0301) is stored composed.
  const [decomposed] = parseTags('#cafe\u0301');
  assert.equal(decomposed, 'caf\u00e9');
  assert.deepEqual(parseTags('#caf\u00e9 #cafe\u0301'), ['café'], 'one tag whichever form it was typed in');
  // Emoji and symbols are not tag characters.
  assert.deepEqual(parseTags('#sun🌅set #½'), ['sun']);
});

test('50 characters is a tag, 51 is none (never cut into another tag)', () => {
  const fifty = 'a'.repeat(50);
  assert.deepEqual(parseTags(`#${fifty}`), [fifty]);
  assert.deepEqual(parseTags(`#${fifty}b`), []);
  assert.deepEqual(parseTags(`#${'é'.repeat(50)}`), ['é'.repeat(50)], 'characters, not UTF-16 units or bytes');
  assert.deepEqual(parseTags(`#${'e\u0301'.repeat(50)}`), ['é'.repeat(50)], 'counted after NFC');
});

test('at most 20 distinct tags per text, the first ones', () => {
  const text = Array.from({ length: 30 }, (_, i) => `#t${i} #t${i}`).join(' ');
  const tags = parseTags(text);
  assert.equal(tags.length, TAG_LIMITS.maxPerText);
  assert.deepEqual(tags, Array.from({ length: 20 }, (_, i) => `t${i}`));
});

test('pathological inputs are handled linearly: 10,000 # and long runs', () => {
  assert.deepEqual(parseTags('#'.repeat(10_000)), []);
  assert.deepEqual(parseTags('#a'.repeat(10_000)), ['a']);
  assert.deepEqual(parseTags('#' + 'a'.repeat(100_000)), []);
  assert.deepEqual(parseTags(`${'#'.repeat(5_000)}x${'#'.repeat(5_000)}`), ['x']);
  const many = Array.from({ length: 10_000 }, (_, i) => `#t${i}`).join('');
  assert.equal(parseTags(many).length, 20);
});

test('normalizeTag: what routes, streams and search accept', () => {
  assert.equal(normalizeTag('Sunset'), 'sunset');
  assert.equal(normalizeTag('#Sunset'), 'sunset');
  assert.equal(normalizeTag('İstanbul'), 'i̇stanbul'.normalize('NFC'));
  assert.equal(normalizeTag(''), null);
  assert.equal(normalizeTag('#'), null);
  assert.equal(normalizeTag('two words'), null);
  assert.equal(normalizeTag('a%b'), null);
  assert.equal(normalizeTag('a'.repeat(51)), null);
});

// Hostile values: the strings and numbers a hand-written list of cases never has enough of.
import fc from 'fast-check';

/** Strings that break parsers, encoders, databases and regular expressions. */
export const NASTY_STRINGS: readonly string[] = [
  '',
  ' ',
  '  padded  ',
  '\u0000',
  'a\u0000b',
  'lobby\u0000',
  '\ud800',
  '\udfff',
  'x\ud83dy',
  '\udc00\ud800',
  '\u202e',
  '\u200f',
  '\u202egpj.exe',
  '\u2066isolate\u2069',
  '\ufeff',
  '\ufffe',
  '\uffff',
  '\r\n',
  '\n',
  '\t',
  '\u0085',
  '\u2028\u2029',
  '\u001b[31mred',
  '../../etc/passwd',
  '..%2f..%2fetc%2fpasswd',
  '/',
  '//',
  '%',
  '%00',
  '%zz',
  '%ED%A0%80',
  '\\',
  '"',
  "'; drop table users; --",
  '<script>alert(1)</script>',
  '{{7*7}}',
  '${7*7}',
  '__proto__',
  'constructor',
  'prototype',
  'null',
  'undefined',
  'true',
  '[]',
  '{}',
  'NaN',
  'Infinity',
  '-Infinity',
  '-0',
  '0',
  '00',
  '-1',
  '+1',
  '1.5',
  '1e3',
  '1e309',
  '0x10',
  '0b1',
  '0o7',
  ' 1',
  '1 ',
  '9'.repeat(18),
  '9'.repeat(19),
  '9223372036854775807',
  '9223372036854775808',
  '9'.repeat(40),
  '１２３',
  '١٢٣',
  'İstanbul',
  'ǅ',
  'ß',
  'ﬀ',
  'Ａｄｍｉｎ',
  'admin\u200b',
  '😀',
  '👩‍👩‍👧‍👦',
  'e\u0301\u0301\u0301\u0301',
  'a'.repeat(31),
  'a'.repeat(101),
  'a'.repeat(501),
];

/** Number-ish text: what a query string or path segment holds when a number was meant. */
export const NUMBERISH: readonly string[] = [
  '0', '00', '-0', '-1', '+1', '1.5', '1e3', '1e309', '0x10', '0b1', '0o7', ' 1', '1 ', 'NaN', 'Infinity', '-Infinity',
  '9'.repeat(18), '9'.repeat(19), '9223372036854775807', '9223372036854775808', '9'.repeat(40), '１２３', '١٢٣', '101', '1000', '9999',
];

/** Any code unit, including lone surrogates, controls and bidi marks. */
const codeUnit = fc.oneof(
  { weight: 4, arbitrary: fc.integer({ min: 0x20, max: 0x7e }).map((c) => String.fromCharCode(c)) },
  { weight: 1, arbitrary: fc.integer({ min: 0, max: 0x1f }).map((c) => String.fromCharCode(c)) },
  { weight: 1, arbitrary: fc.integer({ min: 0xd800, max: 0xdfff }).map((c) => String.fromCharCode(c)) },
  { weight: 1, arbitrary: fc.constantFrom('\u202e', '\u200f', '\u2066', '\ufeff', '\u0000', '\u00ad', '\u0301', '\u2028') },
  { weight: 2, arbitrary: fc.integer({ min: 0x80, max: 0xffff }).map((c) => String.fromCharCode(c)) },
);

export const unitString = (maxLength = 40) => fc.array(codeUnit, { maxLength }).map((a) => a.join(''));

/** A long string: past every limit the contract names (100, 120, 500, 1000, 8 KiB, 16 KiB, 1 MiB). */
export const hugeString = () =>
  fc
    .tuple(fc.oneof({ weight: 9, arbitrary: fc.constantFrom(101, 121, 201, 501, 1001, 4001, 8193) }, { weight: 1, arbitrary: fc.constantFrom(17_000, 70_000) }), fc.constantFrom('a', 'é', '😀', '\u0000', '\ud800', '9', ' ', '%'))
    .map(([n, c]) => c.repeat(Math.ceil(n / c.length)));

export const nastyString = (): fc.Arbitrary<string> =>
  fc.oneof(
    { weight: 5, arbitrary: fc.constantFrom(...NASTY_STRINGS) },
    { weight: 3, arbitrary: unitString() },
    { weight: 2, arbitrary: fc.string({ unit: 'grapheme', maxLength: 30 }) },
    { weight: 2, arbitrary: fc.string({ maxLength: 30 }) },
    { weight: 1, arbitrary: hugeString() },
    { weight: 1, arbitrary: fc.tuple(fc.constantFrom(...NASTY_STRINGS), fc.constantFrom(...NASTY_STRINGS)).map(([a, b]) => a + b) },
  );

/** Characters that break things when they get into a valid value: NUL, lone surrogates, bidi marks, escapes. */
export const POISON: readonly string[] = ['\u0000', '\ud800', '\udfff', '\u202e', '\u200b', '%00', '%', '\n', '\r', '\\', "'", '"', '😀', ' ', 'é', '\u0301', '/', '..', '\x7f', '\x85'];

/** The worst of them (what databases, encoders and URI functions refuse) half of the time. */
export const poison: fc.Arbitrary<string> = fc.oneof(fc.constantFrom('\u0000', '\ud800', '\udfff', '\udc00\ud800'), fc.constantFrom(...POISON));

/** A value with a poison character put in front, at the end or in the middle. */
export function poisoned(value: fc.Arbitrary<string>): fc.Arbitrary<string> {
  return fc.tuple(value, poison, fc.constantFrom('end', 'start', 'middle')).map(([v, p, where]) => {
    if (where === 'end') return v + p;
    if (where === 'start') return p + v;
    const at = Math.floor(v.length / 2);
    return v.slice(0, at) + p + v.slice(at);
  });
}

/** Numbers of every awkward kind, as JSON can carry them. */
export const nastyNumber = (): fc.Arbitrary<number> =>
  fc.oneof(
    fc.constantFrom(0, -0, -1, 1, 1.5, -1.5, 2 ** 31, 2 ** 53, -(2 ** 53), 2 ** 63, 1e308, -1e308, 5e-324, Number.MAX_SAFE_INTEGER + 2),
    fc.integer(),
    fc.double({ noNaN: true, noDefaultInfinity: true }),
  );

/** Any JSON value, nested. */
export const anyJson = (maxDepth = 3): fc.Arbitrary<unknown> => fc.jsonValue({ maxDepth });

/** A value of any JSON type but `type`: what a client sends when it gets the type wrong. */
export function wrongTyped(type: string | undefined): fc.Arbitrary<unknown> {
  const all: Record<string, fc.Arbitrary<unknown>> = {
    string: nastyString(),
    number: nastyNumber(),
    integer: nastyNumber(),
    boolean: fc.boolean(),
    null: fc.constant(null),
    array: fc.array(fc.oneof(nastyString(), nastyNumber(), fc.constant(null)), { maxLength: 4 }),
    object: fc.dictionary(fc.string({ maxLength: 8 }), fc.oneof(nastyString(), nastyNumber()), { maxKeys: 3 }),
  };
  const others = Object.entries(all)
    .filter(([name]) => name !== type && !(type === 'integer' && name === 'number') && !(type === 'number' && name === 'integer'))
    .map(([, arb]) => arb);
  return fc.oneof(...others);
}

/** Percent-encodes a string's UTF-8 bytes (lone surrogates become U+FFFD, as in every browser). */
export function percentEncode(s: string): string {
  let out = '';
  for (const byte of Buffer.from(s, 'utf8')) {
    const c = String.fromCharCode(byte);
    out += /[\w.~-]/.test(c) ? c : `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

/**
 * A path segment or query value as it goes on the wire, in one of several spellings: properly
 * encoded, raw (slashes, `?`, `#`, `%` and all, but only bytes an HTTP client may send), with
 * broken percent-escapes, or with the WTF-8 bytes of a lone surrogate.
 */
export const wireSpelling = fc.constantFrom('encoded', 'encoded', 'encoded', 'raw', 'broken-escape', 'wtf8', 'double-encoded');
export type WireSpelling = 'encoded' | 'raw' | 'broken-escape' | 'wtf8' | 'double-encoded';

export function spell(value: string, how: WireSpelling): string {
  switch (how) {
    case 'encoded':
      return percentEncode(value);
    case 'raw':
      // What node's http client lets through (0x21-0xff): spaces and controls still escaped.
      return [...value].map((c) => (c.charCodeAt(0) > 0x20 && c.charCodeAt(0) <= 0xff && c !== '#' ? c : percentEncode(c))).join('');
    case 'broken-escape':
      return `${percentEncode(value)}%${value.length % 2 ? 'g' : ''}`;
    case 'wtf8':
      return `${percentEncode(value)}%ED%A0%80`;
    case 'double-encoded':
      return percentEncode(percentEncode(value));
  }
}

/** Header-safe text (what node's http client accepts in a header value): tab and 0x20-0xff minus DEL. */
export const headerText = (maxLength = 60): fc.Arbitrary<string> =>
  fc
    .array(
      fc.oneof(
        { weight: 6, arbitrary: fc.integer({ min: 0x20, max: 0x7e }) },
        { weight: 1, arbitrary: fc.integer({ min: 0x80, max: 0xff }) },
        { weight: 1, arbitrary: fc.constantFrom(0x09, 0x3b, 0x3d, 0x2c, 0x22) },
      ),
      { maxLength },
    )
    .map((codes) => String.fromCharCode(...codes).trim());

// Arbitraries from JSON Schema (as the OpenAPI document gives it): values that pass the schema,
// values at and just past its bounds, values of the wrong type, known values from the pools, and
// hostile strings, mixed so that most inputs get past validation and some do not.
import fc from 'fast-check';
import type { JsonSchema } from './openapi.js';
import { Pick, Poisoned, poolFor } from './pools.js';
import { nastyNumber, nastyString, NUMBERISH, poison, poisoned, wrongTyped } from './values.js';

/** A field left out of an object. */
export const ABSENT: unique symbol = Symbol('absent');
export type Absent = typeof ABSENT;

const patterns = new Map<string, RegExp>();
function regexOf(pattern: string): RegExp {
  let re = patterns.get(pattern);
  if (!re) patterns.set(pattern, (re = new RegExp(pattern)));
  return re;
}

function typeOf(schema: JsonSchema): string | undefined {
  return Array.isArray(schema.type) ? schema.type[0] : schema.type;
}

/** Values the schema accepts. */
export function validFor(schema: JsonSchema, depth = 0): fc.Arbitrary<unknown> {
  const alternatives = schema.anyOf ?? schema.oneOf;
  if (alternatives?.length) return fc.oneof(...alternatives.map((s) => validFor(s, depth + 1)));
  if (schema.enum?.length) return fc.constantFrom(...schema.enum);
  if (schema.const !== undefined) return fc.constant(schema.const);
  switch (typeOf(schema)) {
    case 'string': {
      if (schema.pattern) return fc.stringMatching(regexOf(schema.pattern)).filter((s) => s.length <= (schema.maxLength ?? Infinity));
      const minLength = schema.minLength ?? 0;
      const maxLength = Math.max(minLength, Math.min(schema.maxLength ?? 40, minLength + 40));
      return fc.string({ minLength, maxLength, unit: 'grapheme' });
    }
    case 'integer':
      return fc.integer({ min: schema.minimum ?? -1000, max: schema.maximum ?? 1_000_000 });
    case 'number':
      return fc.double({ min: schema.minimum ?? -1e6, max: schema.maximum ?? 1e6, noNaN: true });
    case 'boolean':
      return fc.boolean();
    case 'null':
      return fc.constant(null);
    case 'array':
      return depth > 3 ? fc.constant([]) : fc.array(validFor(schema.items ?? {}, depth + 1), { maxLength: 3 });
    case 'object':
      return depth > 3 ? fc.constant({}) : objectFor(schema, { depth: depth + 1, junk: false });
    default:
      return fc.jsonValue({ maxDepth: 2 });
  }
}

/** Strings at and just past the schema's length bounds. */
function boundaryFor(schema: JsonSchema): fc.Arbitrary<string> {
  const lengths = new Set<number>([0, 1]);
  if (schema.minLength !== undefined) for (const n of [schema.minLength - 1, schema.minLength]) if (n >= 0) lengths.add(n);
  if (schema.maxLength !== undefined) for (const n of [schema.maxLength, schema.maxLength + 1]) lengths.add(n);
  // Patterns with a {m,n} count have bounds too: 3..30 for usernames, 1..40 for rooms, 1..18 for ids.
  const count = schema.pattern ? /\{(\d+),(\d+)\}/.exec(schema.pattern) : null;
  if (count) for (const n of [Number(count[1]) - 1, Number(count[2]), Number(count[2]) + 1]) if (n >= 0) lengths.add(n);
  const digits = schema.pattern?.includes('0-9]') && !schema.pattern.includes('a-z');
  return fc.tuple(fc.constantFrom(...lengths), fc.constantFrom(digits ? '9' : 'a', digits ? '0' : '_', 'é', '\ud800')).map(([n, c]) => c.repeat(n));
}

/** A value for one field or parameter called `name`: valid, known, boundary, hostile or mistyped. */
export function fieldValue(name: string, schema: JsonSchema, opts: { wrongTypes: boolean; path?: string } = { wrongTypes: true }): fc.Arbitrary<unknown> {
  const pool = poolFor(name, opts.path);
  const type = typeOf(schema);
  const valid = validFor(schema);
  const arbs: fc.WeightedArbitrary<unknown>[] = [
    { weight: 4, arbitrary: valid },
    { weight: 3, arbitrary: nastyString() },
    { weight: 1, arbitrary: boundaryFor(schema) },
  ];
  if (type === 'string' || type === undefined) arbs.push({ weight: 3, arbitrary: poisoned(valid.map((v) => (typeof v === 'string' ? v : String(v)))) });
  if (pool) {
    arbs.push({ weight: 5, arbitrary: fc.nat().map((i) => new Pick(pool, i)) });
    // A known value with a poison character in it: gets past "looks like a name" checks that compare loosely.
    arbs.push({ weight: 2, arbitrary: fc.tuple(fc.nat(), poison, fc.boolean()).map(([i, p, end]) => new Poisoned(new Pick(pool, i), p, end)) });
  }
  if (opts.wrongTypes) arbs.push({ weight: 2, arbitrary: wrongTyped(type) });
  if (type === 'integer' || type === 'number') arbs.push({ weight: 2, arbitrary: nastyNumber() });
  if (type === 'string' && schema.pattern?.includes('0-9')) arbs.push({ weight: 2, arbitrary: fc.constantFrom(...NUMBERISH) });
  return fc.oneof(...arbs);
}

/**
 * Objects for an object schema: each property present (in any of fieldValue's flavours) or missing,
 * required ones missing less often, plus extra properties, prototype-polluting keys included.
 */
export function objectFor(schema: JsonSchema, opts: { depth?: number; junk?: boolean } = {}): fc.Arbitrary<Record<string, unknown>> {
  const props = Object.entries(schema.properties ?? {});
  const required = new Set(schema.required ?? []);
  const junk = opts.junk ?? true;
  const fields = props.map(([name, s]) => {
    const value = junk ? fieldValue(name, s) : validFor(s, opts.depth ?? 0);
    const absentWeight = required.has(name) ? (junk ? 1 : 0) : 3;
    return absentWeight === 0
      ? value
      : fc.oneof({ weight: 8, arbitrary: value }, { weight: absentWeight, arbitrary: fc.constant<Absent>(ABSENT) });
  });
  const extra = junk
    ? fc.oneof(
        { weight: 6, arbitrary: fc.constant<[string, unknown][]>([]) },
        {
          weight: 2,
          arbitrary: fc.array(
            fc.tuple(
              fc.oneof(fc.constantFrom('__proto__', 'constructor', 'prototype', 'isAdmin', 'id', 'extra', ''), fc.string({ maxLength: 10 })),
              fc.oneof(nastyString(), nastyNumber(), fc.constant({ polluted: true }), fc.constant(null)),
            ),
            { minLength: 1, maxLength: 3 },
          ),
        },
      )
    : fc.constant<[string, unknown][]>([]);
  return fc.tuple(fc.tuple(...fields), extra).map(([values, extras]) => {
    const out: Record<string, unknown> = {};
    const define = (k: string, v: unknown) => Object.defineProperty(out, k, { value: v, enumerable: true, writable: true, configurable: true });
    props.forEach(([name], i) => {
      if (values[i] !== ABSENT) define(name, values[i]);
    });
    for (const [k, v] of extras) define(k, v);
    return out;
  });
}

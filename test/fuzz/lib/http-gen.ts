// HTTP inputs, generated from the OpenAPI document: for each documented operation, path
// parameters, query strings, bodies and headers in every flavour (see schema-arb.ts and values.ts),
// signed in or out, plus requests off the document (unknown paths, methods and raw malformed HTTP).
// A case is plain data with Picks in it; `buildRequest` turns it into bytes when it is sent.
import fc from 'fast-check';
import { buildForm, formSpec, type FormSpec, type Samples } from './multipart.js';
import type { Operation, Param } from './openapi.js';
import { Pick, Poisoned, poolFor, resolve, type PoolName, type Pools } from './pools.js';
import { ABSENT, fieldValue, objectFor, validFor } from './schema-arb.js';
import { anyJson, headerText, nastyNumber, nastyString, NUMBERISH, poison, poisoned, spell, wireSpelling, wrongTyped, type WireSpelling } from './values.js';

export type SessionChoice = { kind: 'none' } | { kind: 'slot'; i: number } | { kind: 'bogus'; cookie: string };
export type OriginChoice = 'none' | 'same' | 'same-host-other-port' | 'cross' | 'null' | { junk: string };

export type BodyChoice =
  | { kind: 'json'; value: unknown }
  | { kind: 'text'; text: string }
  | { kind: 'bytes'; bytes: Uint8Array }
  | { kind: 'form'; form: FormSpec }
  | { kind: 'empty' }
  | { kind: 'huge'; bytes: number }
  | { kind: 'deep'; depth: number; open: '[' | '{"a":' };

export interface HttpCase {
  /** Coverage key: the operation's key, or `off-doc` / `raw`. */
  op: string;
  method: string;
  /** Path segments after the leading slash, each a literal or a value to spell. */
  path: (string | { value: unknown; spelling: WireSpelling })[];
  query: { name: string; value: unknown; spelling: WireSpelling }[];
  session: SessionChoice;
  origin: OriginChoice;
  headers: [string, string][];
  body: BodyChoice | null;
  /** 'auto': what the body kind calls for; null: no Content-Type header. */
  contentType: string | null | 'auto';
  transport: 'content-length' | 'chunked' | { abortAt: number };
  /** Picks the X-Forwarded-For address, so the per-address limits spread over many clients. */
  ip: number;
  /** Raw bytes instead of a request (malformed HTTP). */
  raw?: string;
  /** Sent this many milliseconds after the rest of its batch started (race batches). */
  delayMs?: number;
}

export interface WireRequest {
  method: string;
  path: string;
  headers: Record<string, string>;
  body: Buffer | null;
  chunked: boolean;
  abortAt?: number;
  raw?: Buffer;
}

// ---------- pieces ----------

/** A path parameter: a known value, a valid one, a hostile one, or nothing at all. */
function pathParam(p: Param, path: string): fc.Arbitrary<{ value: unknown; spelling: WireSpelling }> {
  const pool = poolFor(p.name, path);
  const value = fc.oneof(
    { weight: pool ? 8 : 0, arbitrary: fc.nat().map((i) => new Pick(pool ?? 'photoId', i)) },
    { weight: 4, arbitrary: fieldValue(p.name, p.schema, { wrongTypes: false, path }) },
    { weight: 1, arbitrary: fc.constantFrom(...NUMBERISH) },
    { weight: 1, arbitrary: fc.constantFrom('', '.', '..', '%2e%2e', 'index.html', 'a/b', '?', '#') },
  );
  return fc.record({ value, spelling: fc.oneof({ weight: 6, arbitrary: fc.constant<WireSpelling>('encoded') }, { weight: 1, arbitrary: wireSpelling }) });
}

/** Query parameters: declared ones (valid, hostile, repeated, empty), cursors, and extras. */
function queryOf(params: Param[]): fc.Arbitrary<HttpCase['query']> {
  const one = (p: Param) =>
    fc.oneof(
      { weight: 3, arbitrary: fc.constant([]) },
      {
        weight: 6,
        arbitrary: fc
          .record({
            value: poolFor(p.name) === 'cursor' ? cursorValue : fieldValue(p.name, p.schema, { wrongTypes: false }),
            spelling: fc.oneof({ weight: 6, arbitrary: fc.constant<WireSpelling>('encoded') }, { weight: 1, arbitrary: wireSpelling }),
          })
          .map((v) => [{ name: p.name, ...v }]),
      },
      {
        // repeated (?limit=1&limit=2 arrives as an array) or present without a value
        weight: 1,
        arbitrary: fc
          .array(fc.oneof(fc.constantFrom('1', '', ABSENT), nastyString()), { minLength: 1, maxLength: 3 })
          .map((vs) => vs.map((v) => ({ name: p.name, value: v, spelling: 'encoded' as WireSpelling }))),
      },
    );
  const extras = fc.oneof(
    { weight: 8, arbitrary: fc.constant([]) },
    {
      weight: 1,
      arbitrary: fc.array(
        fc.record({
          name: fc.oneof(fc.constantFrom('__proto__', 'constructor[prototype]', 'limit[]', 'a[b]', '', 'toString'), fc.string({ maxLength: 8 })),
          value: nastyString(),
          spelling: fc.constant<WireSpelling>('encoded'),
        }),
        { minLength: 1, maxLength: 3 },
      ),
    },
  );
  return fc.tuple(fc.tuple(...params.map(one)), extras).map(([declared, extra]) => [...declared.flat(), ...extra]);
}

/** Cursors: real ones from earlier pages, and forged ones of every shape. */
const cursorValue: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 5, arbitrary: fc.nat().map((i) => new Pick('cursor', i)) },
  {
    weight: 3,
    arbitrary: fc
      .oneof(
        fc.record({ id: fc.oneof(fc.constantFrom(...NUMBERISH), fc.integer().map(String), nastyString()) }),
        fc.record({ id: fc.oneof(fc.integer(), fc.double(), fc.constant(null), fc.array(fc.integer())) }),
        fc.record({ id: poisoned(fc.stringMatching(/^\d{1,18}$/)) }),
        poisoned(fc.constantFrom('lobby', 'fz-room', 'a', 'zzz')),
        nastyString(),
        anyJson(),
      )
      .map((key) => Buffer.from(JSON.stringify(key) ?? 'undefined').toString('base64url')),
  },
  { weight: 2, arbitrary: nastyString() },
  { weight: 1, arbitrary: fc.constantFrom('', '=', 'e30', 'bnVsbA', 'eyJpZCI6IjEifQ==', '!!!', 'eyJpZCI6') },
);

const session: fc.Arbitrary<SessionChoice> = fc.oneof(
  { weight: 4, arbitrary: fc.constant({ kind: 'none' as const }) },
  { weight: 10, arbitrary: fc.nat({ max: 63 }).map((i) => ({ kind: 'slot' as const, i })) },
  {
    weight: 2,
    arbitrary: fc
      .oneof(
        fc.stringMatching(/^[\w-]{43}$/).map((s) => `strobe_sid=${s}`),
        headerText(60).map((s) => `strobe_sid=${s}`),
        fc.constantFrom('strobe_sid=', 'strobe_sid', '=; ;=', 'strobe_sid=a; strobe_sid=b', `strobe_sid=${'A'.repeat(5000)}`, 'strobe_device=1.aaaaaaaaaaaaaaaaaaaaaa.bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb'),
        headerText(100),
      )
      .map((cookie) => ({ kind: 'bogus' as const, cookie })),
  },
);

const origin: fc.Arbitrary<OriginChoice> = fc.oneof(
  { weight: 10, arbitrary: fc.constant('none' as const) },
  { weight: 5, arbitrary: fc.constant('same' as const) },
  { weight: 1, arbitrary: fc.constantFrom('cross' as const, 'null' as const, 'same-host-other-port' as const) },
  { weight: 1, arbitrary: headerText(40).map((junk) => ({ junk })) },
);

const extraHeaders: fc.Arbitrary<[string, string][]> = fc.oneof(
  { weight: 8, arbitrary: fc.constant<[string, string][]>([]) },
  {
    weight: 2,
    arbitrary: fc.array(
      fc.oneof<fc.Arbitrary<[string, string]>[]>(
        fc.tuple(fc.constant('x-request-id'), fc.oneof(headerText(40), fc.constant('x'.repeat(3000)))),
        fc.tuple(fc.constant('accept'), fc.constantFrom('*/*', 'text/html', 'application/xml', 'image/webp', '', 'application/json;q=0')),
        fc.tuple(fc.constant('if-none-match'), fc.oneof(headerText(40), fc.constant('*'), fc.constant(`${' '.repeat(2000)},`), fc.constant(`W/"x", ${','.repeat(500)}`))),
        fc.tuple(fc.constant('sec-fetch-site'), fc.constantFrom('cross-site', 'same-origin', 'none', 'same-site', 'junk')),
        fc.tuple(fc.constant('content-encoding'), fc.constantFrom('gzip', 'br', 'deflate', 'identity', 'junk')),
        fc.tuple(fc.constant('x-forwarded-for'), fc.oneof(headerText(40), fc.constantFrom('::1', '127.0.0.1', 'unknown', '1.2.3.4, 5.6.7.8', '[::1]:80', 'fe80::1%eth0'))),
        fc.tuple(fc.constantFrom('forwarded', 'x-real-ip', 'x-forwarded-host', 'x-forwarded-proto', 'host'), headerText(40)),
        fc.tuple(fc.constant('range'), fc.constantFrom('bytes=0-10', 'bytes=-1', 'bytes=999999-', 'junk')),
      ),
      { minLength: 1, maxLength: 3 },
    ),
  },
);

const ODD_CONTENT_TYPES = [
  'application/json; charset=utf-8',
  'application/json;charset=UTF-16',
  'application/json; charset=latin1',
  'APPLICATION/JSON',
  'application/vnd.api+json',
  'application/json-patch+json',
  'text/plain',
  'text/plain; charset=utf-8',
  'text/html',
  'application/x-www-form-urlencoded',
  'multipart/form-data',
  'multipart/form-data; boundary=',
  'multipart/form-data; boundary=abc',
  'multipart/mixed; boundary=abc',
  'image/jpeg',
  'application/octet-stream',
  '',
  ';',
  'application/json, text/plain',
];

const contentType = (usual: 'json' | 'form' | 'none'): fc.Arbitrary<string | null | 'auto'> =>
  fc.oneof(
    { weight: usual === 'none' ? 12 : 14, arbitrary: fc.constant('auto' as const) },
    { weight: 2, arbitrary: fc.constantFrom(...ODD_CONTENT_TYPES) },
    { weight: 1, arbitrary: fc.constant(null) },
    { weight: 1, arbitrary: headerText(50) },
  );

/** Bodies that are not the schema's object: other JSON, broken JSON, bytes, nothing, too much. */
const strayBody: fc.Arbitrary<BodyChoice> = fc.oneof(
  { weight: 3, arbitrary: anyJson().map((value) => ({ kind: 'json' as const, value })) },
  {
    weight: 3,
    arbitrary: fc
      .oneof(
        fc.constantFrom('{', '{"username":', '{"a":1,}', "{'a':1}", '{"a":NaN}', '{"a":Infinity}', '[1,2', '"unterminated', 'nul', 'tru', '{"a":1}{"b":2}', '{"a":1} trailing', '\ufeff{}', '/* c */ {}', '{"__proto__":{"isAdmin":true}}', '{"constructor":{"prototype":{"x":1}}}', '{"a":"\\ud800"}', '{"a":"\\u0000"}', '{"a":1e999}', '-', '0', ' '),
        nastyString(),
      )
      .map((text) => ({ kind: 'text' as const, text })),
  },
  { weight: 2, arbitrary: fc.uint8Array({ maxLength: 300 }).map((bytes) => ({ kind: 'bytes' as const, bytes })) },
  { weight: 3, arbitrary: fc.constant({ kind: 'empty' as const }) },
  { weight: 1, arbitrary: fc.constantFrom(1024 * 1024 + 1, 3 * 1024 * 1024).map((bytes) => ({ kind: 'huge' as const, bytes })) },
  {
    weight: 1,
    arbitrary: fc.record({ kind: fc.constant('deep' as const), depth: fc.constantFrom(1_000, 100_000, 300_000), open: fc.constantFrom('[' as const, '{"a":' as const) }),
  },
);

/** Bodies for an operation: mostly its schema's objects (valid-ish), otherwise anything. */
function bodyFor(op: Operation): fc.Arbitrary<BodyChoice | null> {
  if (!op.body) {
    return fc.oneof({ weight: 12, arbitrary: fc.constant(null) }, { weight: 1, arbitrary: strayBody });
  }
  if (op.body.contentType.startsWith('multipart/')) {
    return fc.oneof({ weight: 12, arbitrary: formSpec.map((form) => ({ kind: 'form' as const, form })) }, { weight: 1, arbitrary: strayBody }, { weight: 1, arbitrary: fc.constant(null) });
  }
  const schema = op.body.schema;
  const objects = objectFor(schema).map((value) => ({ kind: 'json' as const, value }));
  const arbs: fc.WeightedArbitrary<BodyChoice | null>[] = [
    { weight: 10, arbitrary: objects },
    { weight: 3, arbitrary: strayBody },
    { weight: 1, arbitrary: fc.constant(null) },
  ];
  // Sign-in bodies: real credentials half the time, so the fuzzer gets past the password check.
  if (schema.properties?.username && schema.properties.password) {
    arbs.push({ weight: 4, arbitrary: fc.nat().map((i) => ({ kind: 'json' as const, value: new Pick('credential', i) })) });
    arbs.push({
      weight: 2,
      arbitrary: fc
        .tuple(fc.nat(), fc.oneof(nastyString(), fc.string({ minLength: 8, maxLength: 40 })), fc.boolean())
        .map(([i, other, wrongPassword]) => ({ kind: 'json' as const, value: wrongPassword ? { username: new Pick('username', i), password: other } : { username: other, password: 'fuzz-password-1' } })),
    });
  }
  return fc.oneof(...arbs);
}

// ---------- cases ----------

/** Anything goes: every part of the request drawn on its own, so several can be wrong at once. */
function wildCase(op: Operation): fc.Arbitrary<HttpCase> {
  const usual = op.body ? (op.body.contentType.startsWith('multipart/') ? 'form' : 'json') : 'none';
  return fc.record({
    op: fc.constant(op.key),
    method: op.method === 'GET' ? fc.oneof({ weight: 9, arbitrary: fc.constant('GET') }, { weight: 1, arbitrary: fc.constant('HEAD') }) : fc.constant(op.method),
    path: pathOf(op, (p) => pathParam(p, op.path)),
    query: queryOf(op.query),
    session,
    origin,
    headers: extraHeaders,
    body: bodyFor(op),
    contentType: contentType(usual),
    transport: fc.oneof(
      { weight: 20, arbitrary: fc.constant('content-length' as const) },
      { weight: 2, arbitrary: fc.constant('chunked' as const) },
      { weight: 1, arbitrary: fc.double({ min: 0, max: 0.95, noNaN: true }).map((abortAt) => ({ abortAt })) },
    ),
    ip: fc.nat({ max: 100_000 }),
  });
}

function pathOf(op: Operation, param: (p: Param) => fc.Arbitrary<{ value: unknown; spelling: WireSpelling }>): fc.Arbitrary<HttpCase['path']> {
  const params = new Map(op.pathParams.map((p) => [p.name, p]));
  return fc.tuple(
    ...op.path
      .split('/')
      .slice(1)
      .map((seg) => {
        const m = /^\{(\w+)\}$/.exec(seg);
        const p = m ? params.get(m[1]!) : undefined;
        return p ? param(p) : fc.constant(seg);
      }),
  );
}

/**
 * A value that passes the schema: in a path or query, preferably one the server knows; in a body,
 * often a fresh one (a new username or room, not only the ones that would be conflicts).
 */
function goodValue(name: string, schema: Operation['pathParams'][number]['schema'], where: 'path' | 'query' | 'body' = 'path', path = ''): fc.Arbitrary<unknown> {
  const pool = poolFor(name, path);
  if (pool === 'cursor') return fc.nat().map((i) => new Pick('cursor', i));
  if (name === 'limit') return fc.constantFrom('1', '2', '20', '100');
  if (!pool) return validFor(schema);
  const known = fc.nat().map((i) => new Pick(pool, i));
  return where === 'body' ? fc.oneof({ weight: 1, arbitrary: known }, { weight: 2, arbitrary: validFor(schema) }) : fc.oneof({ weight: 3, arbitrary: known }, { weight: 1, arbitrary: validFor(schema) });
}

/** A value that does not: hostile text, a poisoned known value, a bound overstepped, the wrong type. */
function badValue(name: string, schema: Operation['pathParams'][number]['schema'], wrongTypes: boolean, path = ''): fc.Arbitrary<unknown> {
  const pool = poolFor(name, path);
  const arbs: fc.WeightedArbitrary<unknown>[] = [
    { weight: 3, arbitrary: nastyString() },
    { weight: 3, arbitrary: poisoned(validFor(schema).map((v) => (typeof v === 'string' ? v : String(v)))) },
    { weight: 1, arbitrary: fc.constantFrom(...NUMBERISH) },
    { weight: 2, arbitrary: fieldValue(name, schema, { wrongTypes, path }) },
  ];
  if (pool) arbs.push({ weight: 3, arbitrary: fc.tuple(fc.nat(), poison, fc.boolean()).map(([i, p, end]) => new Poisoned(new Pick(pool, i), p, end)) });
  if (pool === 'cursor') arbs.push({ weight: 4, arbitrary: cursorValue });
  if (wrongTypes) arbs.push({ weight: 2, arbitrary: wrongTyped(Array.isArray(schema.type) ? schema.type[0] : schema.type) }, { weight: 1, arbitrary: fc.constant(ABSENT) });
  return fc.oneof(...arbs);
}

/**
 * A request that is right in every way but one or two: valid path, query, body, session and
 * headers, with one or two aspects swapped for a hostile version. This is what gets hostile values
 * past validation into the code behind it.
 */
function oneOffCase(op: Operation): fc.Arbitrary<HttpCase> {
  const isForm = op.body?.contentType.startsWith('multipart/') ?? false;
  const fields = isForm ? [] : Object.entries(op.body?.schema.properties ?? {});
  const required = new Set(isForm ? [] : (op.body?.schema.required ?? []));
  const isCredentials = fields.some(([n]) => n === 'username') && fields.some(([n]) => n === 'password');
  // Values are where routes differ: they are mutated three times as often as the request's framing.
  const valueAspects = [...op.pathParams.map((p) => `path:${p.name}`), ...op.query.map((q) => `query:${q.name}`), ...fields.map(([name]) => `field:${name}`)];
  const frameAspects = ['body', 'extra-fields', 'content-type', 'session', 'origin', 'headers', 'transport'].filter((a) => op.body || (a !== 'extra-fields' && a !== 'body'));
  const aspect = fc.oneof(
    ...valueAspects.map((a) => ({ weight: 3, arbitrary: fc.constant(a) })),
    ...frameAspects.map((a) => ({ weight: 1, arbitrary: fc.constant(a) })),
    // bodyless routes get a stray body now and then
    ...(op.body ? [] : [{ weight: 1, arbitrary: fc.constant('body') }]),
  );
  const good = fc.record({
    path: pathOf(op, (p) => fc.record({ value: goodValue(p.name, p.schema, 'path', op.path), spelling: fc.constant<WireSpelling>('encoded') })),
    query: fc.tuple(...op.query.map((q) => fc.option(goodValue(q.name, q.schema, 'query'), { freq: 2, nil: ABSENT }))),
    fields: fc.tuple(...fields.map(([name, s]) => (required.has(name) ? goodValue(name, s, 'body') : fc.option(goodValue(name, s, 'body'), { freq: 2, nil: ABSENT })))),
    credential: isCredentials ? fc.oneof(fc.constant(null), fc.nat().map((i) => new Pick('credential', i))) : fc.constant(null),
    form: isForm ? formSpec : fc.constant(null),
    slot: fc.nat({ max: 63 }),
    origin: fc.constantFrom<OriginChoice>('none', 'same'),
    ip: fc.nat({ max: 100_000 }),
  });
  const bad = fc.record({
    path: fc.tuple(...op.pathParams.map((p) => fc.record({ value: badValue(p.name, p.schema, false, op.path), spelling: fc.oneof({ weight: 5, arbitrary: fc.constant<WireSpelling>('encoded') }, { weight: 1, arbitrary: wireSpelling }) }))),
    query: fc.tuple(...op.query.map((q) => badValue(q.name, q.schema, false))),
    fields: fc.tuple(...fields.map(([name, s]) => badValue(name, s, true))),
    body: strayBody,
    extra: fc.array(
      fc.tuple(fc.oneof(fc.constantFrom('__proto__', 'constructor', 'isAdmin', 'id', 'extra'), fc.string({ maxLength: 10 })), fc.oneof(nastyString(), nastyNumber(), fc.constant({ polluted: true }))),
      { minLength: 1, maxLength: 3 },
    ),
    contentType: fc.oneof(fc.constantFrom(...ODD_CONTENT_TYPES), headerText(50), fc.constant(null)),
    session: fc.oneof(fc.constant<SessionChoice>({ kind: 'none' }), session),
    origin: fc.constantFrom<OriginChoice>('cross', 'null', 'same-host-other-port', { junk: 'http://127.0.0.1.evil.example' }, { junk: 'file://' }),
    headers: extraHeaders.filter((h) => h.length > 0),
    transport: fc.oneof(fc.constant('chunked' as const), fc.double({ min: 0, max: 0.95, noNaN: true }).map((abortAt) => ({ abortAt }))),
  });
  const segmentParams = op.path
    .split('/')
    .slice(1)
    .map((seg) => /^\{(\w+)\}$/.exec(seg)?.[1]);
  const choose = fc.oneof({ weight: 4, arbitrary: aspect.map((a) => [a]) }, { weight: 1, arbitrary: fc.tuple(aspect, aspect).map(([a, b]) => [a, b]) });
  return fc.tuple(good, bad, choose, fc.boolean()).map(([g, b, chosen, head]): HttpCase => {
    const on = new Set(chosen);
    const path = g.path.map((seg, i) => {
      const name = segmentParams[i];
      const bad = name === undefined ? undefined : b.path[op.pathParams.findIndex((p) => p.name === name)];
      return typeof seg === 'string' || !name || !on.has(`path:${name}`) || !bad ? seg : bad;
    });
    const query: HttpCase['query'] = [];
    op.query.forEach((q, i) => {
      const value = on.has(`query:${q.name}`) ? b.query[i] : g.query[i];
      if (value !== ABSENT) query.push({ name: q.name, value, spelling: 'encoded' });
    });
    let body: BodyChoice | null = null;
    if (isForm) body = { kind: 'form', form: g.form! };
    else if (op.body) {
      const obj: Record<string, unknown> = {};
      const define = (k: string, v: unknown) => Object.defineProperty(obj, k, { value: v, enumerable: true, writable: true, configurable: true });
      fields.forEach(([name], i) => {
        const value = on.has(`field:${name}`) ? b.fields[i] : g.fields[i];
        if (value !== ABSENT) define(name, value);
      });
      if (on.has('extra-fields')) for (const [k, v] of b.extra) define(k, v);
      const untouched = !fields.some(([name]) => on.has(`field:${name}`)) && !on.has('extra-fields');
      body = { kind: 'json', value: untouched && g.credential ? g.credential : obj };
    }
    if (on.has('body')) body = b.body;
    return {
      op: op.key,
      method: op.method === 'GET' && head && on.has('headers') ? 'HEAD' : op.method,
      path,
      query,
      session: on.has('session') ? b.session : { kind: 'slot', i: g.slot },
      origin: on.has('origin') ? b.origin : g.origin,
      headers: on.has('headers') ? b.headers : [],
      body,
      contentType: on.has('content-type') ? b.contentType : 'auto',
      transport: on.has('transport') ? b.transport : 'content-length',
      ip: g.ip,
    };
  });
}

function operationCase(op: Operation): fc.Arbitrary<HttpCase> {
  return fc.oneof({ weight: 1, arbitrary: wildCase(op) }, { weight: 2, arbitrary: oneOffCase(op) });
}

const OFF_DOC_PATHS = [
  '',
  'api',
  'api/',
  'api/nothing',
  'api/photos',
  'api/photos/1/like/extra',
  'api/users',
  'api/feeds',
  'api/feeds/city',
  'api/chat/rooms/lobby',
  'api/admin',
  'API/ME',
  'api/me/',
  '/api/me',
  'media',
  'media/',
  'media/../package.json',
  'media/%2e%2e/package.json',
  'assets/missing.js',
  'assets/../../package.json',
  'docs/json',
  'docs/yaml',
  'docs/static/nothing.js',
  'socket.io/',
  'socket.io/?EIO=4&transport=polling',
  'socket.io/?EIO=4&transport=websocket',
  'socket.io/?EIO=3&transport=polling&sid=junk',
  'favicon.ico',
  'index.html',
  'some/app/route',
  '.env',
  '%',
  '%00',
  '..%2f..%2fetc%2fpasswd',
];

/** Requests the document does not describe: unknown paths, wrong methods, the other endpoints. */
const offDocCase: fc.Arbitrary<HttpCase> = fc.record({
  op: fc.constant('off-doc'),
  method: fc.oneof({ weight: 6, arbitrary: fc.constantFrom('GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS', 'HEAD') }, { weight: 1, arbitrary: fc.constantFrom('TRACE', 'PROPFIND', 'SEARCH', 'LINK', 'M-SEARCH') }),
  path: fc.oneof(
    fc.constantFrom(...OFF_DOC_PATHS).map((p) => [p]),
    fc.tuple(fc.constantFrom('api', 'media', 'assets', 'docs', 'api/photos', 'api/users'), nastyString(), wireSpelling).map(([a, v, spelling]) => [a, { value: v, spelling }]),
  ),
  query: fc.constant([]),
  session,
  origin,
  headers: extraHeaders,
  body: fc.oneof({ weight: 4, arbitrary: fc.constant(null) }, { weight: 1, arbitrary: strayBody }),
  contentType: contentType('none'),
  transport: fc.constant('content-length' as const),
  ip: fc.nat({ max: 100_000 }),
});

/** Malformed HTTP on a raw socket: what reaches Node's parser and Fastify's client-error handler. */
const rawCase: fc.Arbitrary<HttpCase> = fc
  .oneof(
    fc.constantFrom(
      'GET /api/me HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n',
      'POST /api/auth/login HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n',
      'POST /api/auth/login HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nContent-Type: application/json\r\n\r\nzz\r\n{}\r\n0\r\n\r\n',
      'GET /api/me HTTP/1.1\r\nHost: x\r\nBad Header\r\n\r\n',
      'GET /api/me HTTP/1.1\r\nHost: x\r\n folded: value\r\n\r\n',
      'GET /api/me HTTP/9.9\r\nHost: x\r\n\r\n',
      'GET /api/me\r\n\r\n',
      'FOO /api/me HTTP/1.1\r\nHost: x\r\n\r\n',
      'GET /api/me HTTP/1.1\nHost: x\n\n',
      'GET /api/me HTTP/1.1\r\nHost: x\r\nHost: y\r\n\r\n',
      'GET /api/me HTTP/1.1\r\n\r\n',
      'GET \u0000 HTTP/1.1\r\nHost: x\r\n\r\n',
      'GET /api/me HTTP/1.1\r\nHost: x\r\nContent-Length: -1\r\n\r\n',
      'GET /api/me HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nab',
      'POST /api/chat/rooms HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 12\r\n\r\n{"name":"a"}GET /api/me HTTP/1.1\r\nHost: x\r\n\r\n',
    ),
    fc.tuple(fc.constantFrom(17_000, 70_000), fc.constantFrom('url', 'header', 'cookie')).map(([n, where]) =>
      where === 'url'
        ? `GET /api/feeds/latest?before=${'a'.repeat(n)} HTTP/1.1\r\nHost: x\r\n\r\n`
        : where === 'header'
          ? `GET /api/me HTTP/1.1\r\nHost: x\r\nX-Big: ${'b'.repeat(n)}\r\n\r\n`
          : `GET /api/me HTTP/1.1\r\nHost: x\r\nCookie: strobe_sid=${'c'.repeat(n)}\r\n\r\n`,
    ),
    headerText(80).map((junk) => `${junk}\r\n\r\n`),
  )
  .map((raw) => ({
    op: 'raw',
    method: 'RAW',
    path: [],
    query: [],
    session: { kind: 'none' },
    origin: 'none',
    headers: [],
    body: null,
    contentType: null,
    transport: 'content-length',
    ip: 0,
    raw,
  }));

/** One case per documented operation (equally likely), with off-document and raw ones mixed in. */
export function httpCase(ops: readonly Operation[]): fc.Arbitrary<HttpCase> {
  return fc.oneof(
    { weight: 40, arbitrary: fc.oneof(...ops.map(operationCase)) },
    { weight: 3, arbitrary: offDocCase },
    { weight: 1, arbitrary: rawCase },
  );
}

/** A batch of cases sent at once: concurrency is where half-written rows come from. */
export function httpBatch(ops: readonly Operation[]): fc.Arbitrary<HttpCase[]> {
  return fc.oneof({ weight: 4, arbitrary: fc.array(httpCase(ops), { minLength: 1, maxLength: 6 }) }, { weight: 1, arbitrary: raceBatch(ops) });
}

/**
 * Several valid requests on one resource (the same photo, user, room…) from several users, a few
 * milliseconds apart: a like landing between a delete's check and its commit, a follow racing an
 * unfollow. Random batches almost never line two of these up on the same id.
 */
function raceBatch(ops: readonly Operation[]): fc.Arbitrary<HttpCase[]> {
  // By the kind of resource the parameter names (photos, users, comments…), not by its name.
  const groups = new Map<string, { name: string; pool: PoolName; ops: Operation[] }>();
  for (const op of ops) {
    if (op.pathParams.length !== 1 || op.body) continue;
    const name = op.pathParams[0]!.name;
    const pool = poolFor(name, op.path);
    if (!pool) continue;
    const group = groups.get(pool) ?? { name, pool, ops: [] };
    if (group.name !== name) continue;
    group.ops.push(op);
    groups.set(pool, group);
  }
  // Where two different writes can meet: like and delete, follow and unfollow.
  const usable = [...groups.values()].filter((g) => g.ops.filter((op) => op.method !== 'GET').length >= 2).map((g): [string, PoolName, Operation[]] => [g.name, g.pool, g.ops]);
  if (usable.length === 0) return fc.array(httpCase(ops), { minLength: 1, maxLength: 6 });
  const caseFor = (name: string, pool: PoolName, op: Operation, pick: number, delayMs: number, slot: number): HttpCase => ({
    op: op.key,
    method: op.method,
    path: op.path
      .split('/')
      .slice(1)
      // Photos: ready ones (likes and deletes on a photo still processing are 404s).
      .map((seg) => (seg === `{${name}}` ? { value: new Pick(pool === 'photoId' ? 'readyPhotoId' : pool, pick), spelling: 'encoded' as WireSpelling } : seg)),
    query: [],
    session: { kind: 'slot', i: slot },
    origin: 'none',
    headers: [],
    body: null,
    contentType: 'auto',
    transport: 'content-length',
    ip: Math.abs(pick),
    delayMs,
  });
  // One of the newest values mostly: old photo ids are likelier to be deleted already.
  const pickArb = fc.oneof(fc.integer({ min: -4, max: -1 }), fc.nat());
  return fc.constantFrom(...usable).chain(([name, pool, group]) => {
    const anyOrder = fc
      .tuple(pickArb, fc.array(fc.tuple(fc.constantFrom(...group), fc.nat({ max: 8 }), fc.nat({ max: 63 })), { minLength: 2, maxLength: 8 }))
      .map(([pick, items]) => items.map(([op, delayMs, slot]) => caseFor(name, pool, op, pick, delayMs, slot)));
    // The resource's own DELETE (by the admin, who may delete anything), and the other writes on
    // it landing just before and after, while the delete is checked and committed.
    const destroy = group.find((op) => op.method === 'DELETE' && op.path.endsWith(`{${name}}`));
    const writes = group.filter((op) => op !== destroy && op.method !== 'GET');
    if (!destroy || writes.length === 0) return anyOrder;
    const deleteFirst = fc
      .tuple(pickArb, fc.array(fc.tuple(fc.constantFrom(...writes), fc.integer({ min: 1, max: 6 }), fc.integer({ min: 1, max: 63 })), { minLength: 3, maxLength: 8 }))
      .map(([pick, items]) => [caseFor(name, pool, destroy, pick, 3, 0), ...items.map(([op, delayMs, slot]) => caseFor(name, pool, op, pick, delayMs, slot))]);
    return fc.oneof(anyOrder, deleteFirst);
  });
}

// ---------- building ----------

export interface BuildContext {
  pools: Pools;
  samples: Samples;
  /** `http://127.0.0.1:<port>` */
  origin: string;
  port: number;
  /** The session cookie of a signed-in slot (`strobe_sid=…`), by slot index. */
  cookieOf(slot: number): string | undefined;
}

function textOf(value: unknown): string | null {
  if (value === ABSENT) return null;
  if (typeof value === 'string') return value;
  return JSON.stringify(value) ?? 'undefined';
}

/** The request as bytes, with its picks resolved against the pools as they are now. */
export function buildRequest(c: HttpCase, ctx: BuildContext): { wire: WireRequest; described: string } {
  if (c.raw !== undefined) {
    return { wire: { method: 'RAW', path: '', headers: {}, body: null, chunked: false, raw: Buffer.from(c.raw, 'latin1') }, described: `raw ${JSON.stringify(c.raw.slice(0, 200))}` };
  }
  const path =
    '/' +
    c.path
      .map((seg) => {
        if (typeof seg === 'string') return seg;
        const text = textOf(resolve(seg.value, ctx.pools)) ?? '';
        return spell(text, seg.spelling);
      })
      .join('/');
  const query = c.query
    .map((q) => {
      const text = textOf(resolve(q.value, ctx.pools));
      return text === null ? spell(q.name, 'encoded') : `${spell(q.name, 'encoded')}=${spell(text, q.spelling)}`;
    })
    .join('&');
  const headers: Record<string, string> = { 'x-forwarded-for': ipOf(c.ip) };
  if (c.session.kind === 'slot') {
    const cookie = ctx.cookieOf(c.session.i);
    if (cookie) headers.cookie = cookie;
  } else if (c.session.kind === 'bogus') headers.cookie = c.session.cookie;
  const origin = originHeader(c.origin, ctx);
  if (origin !== undefined) headers.origin = origin;
  for (const [k, v] of c.headers) headers[k] = v;

  let body: Buffer | null = null;
  let autoType: string | null = null;
  let bodyDescribed = '';
  if (c.body) {
    switch (c.body.kind) {
      case 'json': {
        const value = resolve(c.body.value, ctx.pools);
        body = Buffer.from(JSON.stringify(value) ?? 'null', 'utf8');
        autoType = 'application/json';
        bodyDescribed = `json ${clip(JSON.stringify(value) ?? 'undefined')}`;
        break;
      }
      case 'text':
        body = Buffer.from(c.body.text, 'utf8');
        autoType = 'application/json';
        bodyDescribed = `text ${clip(JSON.stringify(c.body.text))}`;
        break;
      case 'bytes':
        body = Buffer.from(c.body.bytes);
        autoType = 'application/json';
        bodyDescribed = `${body.length} random bytes`;
        break;
      case 'form': {
        const form = buildForm(c.body.form, ctx.pools, ctx.samples);
        body = form.body;
        autoType = form.contentType;
        bodyDescribed = form.described;
        break;
      }
      case 'empty':
        body = Buffer.alloc(0);
        autoType = 'application/json';
        bodyDescribed = 'empty body';
        break;
      case 'huge':
        body = Buffer.from(`{"username":"${'x'.repeat(c.body.bytes)}"}`);
        autoType = 'application/json';
        bodyDescribed = `${body.length} B of JSON`;
        break;
      case 'deep':
        body = Buffer.from(c.body.open.repeat(c.body.depth) + '1' + (c.body.open === '[' ? ']' : '}').repeat(c.body.depth));
        autoType = 'application/json';
        bodyDescribed = `JSON nested ${c.body.depth} deep`;
        break;
    }
  }
  const type = c.contentType === 'auto' ? autoType : c.contentType;
  if (type !== null) headers['content-type'] = type;
  const abortAt = typeof c.transport === 'object' ? c.transport.abortAt : undefined;
  const wire: WireRequest = { method: c.method, path: query ? `${path}?${query}` : path, headers, body, chunked: c.transport === 'chunked', ...(abortAt !== undefined ? { abortAt } : {}) };
  const shownHeaders = Object.entries(headers)
    .filter(([k]) => k !== 'x-forwarded-for')
    .map(([k, v]) => `${k}: ${clip(v, 80)}`)
    .join('; ');
  const described = `${c.method} ${clip(wire.path, 300)} [${shownHeaders}]${bodyDescribed ? ` ${bodyDescribed}` : ''}${wire.chunked ? ' (chunked)' : ''}${abortAt !== undefined ? ` (aborted at ${(abortAt * 100).toFixed(0)}%)` : ''}${c.delayMs !== undefined ? ` (+${c.delayMs} ms)` : ''}`;
  return { wire, described };
}

function originHeader(o: OriginChoice, ctx: BuildContext): string | undefined {
  if (o === 'none') return undefined;
  if (o === 'same') return ctx.origin;
  if (o === 'same-host-other-port') return `http://127.0.0.1:${ctx.port === 1 ? 2 : ctx.port - 1}`;
  if (o === 'cross') return 'https://evil.example';
  if (o === 'null') return 'null';
  return o.junk;
}

/** A public-looking IPv4 address per index (never loopback: that would count as this machine). */
export function ipOf(i: number): string {
  return `10.${(i >> 16) & 0xff}.${(i >> 8) & 0xff}.${i & 0xff}`;
}

export function clip(s: string, n = 200): string {
  return s.length > n ? `${s.slice(0, n)}…(${s.length})` : s;
}

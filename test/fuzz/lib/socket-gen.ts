// Realtime inputs: `subscribe`, `unsubscribe`, `chat:send` and unknown events with generated
// payloads, sent the way a client would (socket.io-client, with and without acknowledgements,
// callback first, extra and binary arguments) or as raw Engine.IO/Socket.IO frames over a plain
// WebSocket, from signed-out and signed-in connections.
import fc from 'fast-check';
import { Pick, Poisoned, resolve, type Pools } from './pools.js';
import { anyJson, hugeString, nastyNumber, nastyString, poison, poisoned } from './values.js';

export type Who = { anon: true; i: number } | { anon: false; slot: number };

/** How the arguments are laid out around the acknowledgement callback. */
export type ArgShape = 'payload+ack' | 'ack-only' | 'payload' | 'none' | 'payload+extra+ack' | 'payload+binary+ack';

export type SocketAction =
  | { kind: 'emit'; who: Who; event: string; shape: ArgShape; payload: unknown; extra: unknown }
  | { kind: 'raw'; anon: boolean; slot: number; frames: (string | Uint8Array)[] }
  | { kind: 'reconnect'; who: Who };

export const KNOWN_EVENTS = ['subscribe', 'unsubscribe', 'chat:send'] as const;

/** Names socket.io-client refuses to emit; sent raw instead. */
export const CLIENT_RESERVED = new Set(['connect', 'connect_error', 'disconnect', 'disconnecting', 'newListener', 'removeListener']);

const who: fc.Arbitrary<Who> = fc.oneof(
  { weight: 1, arbitrary: fc.nat({ max: 1 }).map((i) => ({ anon: true as const, i })) },
  { weight: 2, arbitrary: fc.nat({ max: 63 }).map((slot) => ({ anon: false as const, slot })) },
);

/** Stream names: real ones, real kinds with known and poisoned arguments, and anything at all. */
const streamName: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom('latest', 'home', 'user', 'system', 'chat:lobby', 'chat:fz-room') },
  {
    weight: 6,
    arbitrary: fc
      .tuple(fc.constantFrom(['city', 'citySlug'], ['profile', 'username'], ['photo', 'photoId'], ['chat', 'room']), fc.nat())
      .map(([[kind, pool], i]) => new StreamOf(kind!, new Pick(pool as 'citySlug', i))),
  },
  {
    weight: 3,
    arbitrary: fc
      .tuple(fc.constantFrom(['city', 'citySlug'], ['profile', 'username'], ['photo', 'photoId'], ['chat', 'room']), fc.nat(), poison, fc.boolean())
      .map(([[kind, pool], i, p, end]) => new StreamOf(kind!, new Poisoned(new Pick(pool as 'citySlug', i), p, end))),
  },
  {
    weight: 3,
    arbitrary: fc.oneof(
      poisoned(fc.constantFrom('latest', 'home', 'user', 'system', 'chat:lobby')),
      fc.constantFrom('', ':', 'chat:', 'chat::', 'latest:', 'home:1', 'user:1', 'sessions', 'system:', 'photo:-1', 'photo:99999999999999999999', 'city:', 'LATEST', 'chat:LOBBY', 'profile:', 'a:b:c', '__proto__', 'constructor', 'toString', 'x'.repeat(201)),
      nastyString(),
    ),
  },
  { weight: 2, arbitrary: fc.oneof(nastyNumber(), fc.boolean(), fc.constant(null), fc.array(fc.constantFrom('latest', 1), { maxLength: 2 }), fc.constant({ stream: 'latest' })) },
  { weight: 1, arbitrary: hugeString() },
);

/** `kind:<resolved pick>`, built when the action is sent. */
export class StreamOf {
  constructor(
    readonly kind: string,
    readonly arg: Pick | Poisoned,
  ) {}

  toString(): string {
    return `${this.kind}:${String(this.arg)}`;
  }
}

const since: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 3, arbitrary: fc.nat().map((i) => new Pick('offset', i)) },
  { weight: 2, arbitrary: fc.constantFrom('0-0', '1-0', '0-1', '9999999999999999-9999999999999999', '99999999999999999-0', '-1-0', '1-', '-', '1', '', '0-0-0', '1.5-0') },
  { weight: 2, arbitrary: fc.oneof(nastyString(), nastyNumber(), fc.constant(null), fc.constant({ offset: '0-0' }), fc.constant(['0-0'])) },
);

const subscribePayload: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 8, arbitrary: fc.record({ stream: streamName, since }, { requiredKeys: ['stream'] }) },
  {
    weight: 1,
    arbitrary: fc.record({ stream: streamName, since, extra: fc.oneof(nastyString(), anyJson()) }, { requiredKeys: [] }).map((o) =>
      Object.defineProperty(o, '__proto__', { value: { polluted: true }, enumerable: true, writable: true, configurable: true }),
    ),
  },
);

const roomName: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 6, arbitrary: fc.nat().map((i) => new Pick('room', i)) },
  { weight: 2, arbitrary: fc.tuple(fc.nat(), poison, fc.boolean()).map(([i, p, end]) => new Poisoned(new Pick('room', i), p, end)) },
  { weight: 2, arbitrary: fc.oneof(nastyString(), fc.constantFrom('LOBBY', 'no-such-room', 'a'.repeat(41), '-', ''), nastyNumber(), fc.constant(null)) },
);

const chatText: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 5, arbitrary: fc.string({ minLength: 1, maxLength: 80, unit: 'grapheme' }) },
  { weight: 2, arbitrary: fc.constantFrom('/me waves', '/me', '/me ', '/ME shouts', '/meh', ' /me x', '\n\n', '   ', '\u0000', '\u202e', '<b>hi</b>', '\r\n/me x') },
  { weight: 3, arbitrary: poisoned(fc.constantFrom('hello', '/me waves', 'x')) },
  { weight: 2, arbitrary: nastyString() },
  {
    weight: 1,
    arbitrary: fc.constantFrom('x'.repeat(1000), 'x'.repeat(1001), '😀'.repeat(1000), '😀'.repeat(1001), 'é'.repeat(3999), ' '.repeat(4001), `${'\u0000'.repeat(900)}x`, 'e\u0301'.repeat(600)),
  },
  { weight: 1, arbitrary: fc.oneof(nastyNumber(), fc.constant(null), fc.array(fc.string()), fc.constant({ text: 'x' })) },
);

const clientId: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 6, arbitrary: fc.uuid() },
  { weight: 2, arbitrary: fc.constantFrom('retry-1', 'retry-2', 'same') },
  { weight: 2, arbitrary: poisoned(fc.uuid()) },
  { weight: 2, arbitrary: fc.oneof(nastyString(), fc.constantFrom('', 'x'.repeat(100), 'x'.repeat(101)), nastyNumber(), fc.constant(null)) },
);

const goodChat = fc.record({
  room: fc.nat().map((i) => new Pick('room', i)),
  text: fc.string({ minLength: 1, maxLength: 60, unit: 'grapheme' }).filter((t) => t.trim().length > 0),
  clientId: fc.uuid(),
});

/** Right but for one field, so the hostile value gets past the others' checks. */
const oneOffChat = fc
  .tuple(goodChat, fc.oneof(fc.record({ room: roomName }), fc.record({ text: chatText }), fc.record({ clientId })))
  .map(([good, bad]) => ({ ...good, ...bad }));

const chatPayload: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 2, arbitrary: goodChat },
  { weight: 6, arbitrary: oneOffChat },
  { weight: 2, arbitrary: fc.record({ room: roomName, text: chatText, clientId }, { requiredKeys: ['room', 'text', 'clientId'] }) },
  { weight: 1, arbitrary: fc.record({ room: roomName, text: chatText, clientId, extra: anyJson() }, { requiredKeys: [] }) },
);

/** Payloads of no particular shape: any JSON, deep nesting, big strings, binary. */
const anyPayload: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 4, arbitrary: anyJson(4) },
  { weight: 1, arbitrary: fc.constantFrom(200, 2_000).map((depth) => deep(depth)) },
  { weight: 1, arbitrary: hugeString().map((s) => ({ stream: s })) },
  { weight: 1, arbitrary: fc.uint8Array({ maxLength: 2000 }) },
  { weight: 1, arbitrary: fc.constant(undefined) },
);

function deep(depth: number): unknown {
  let v: unknown = 'bottom';
  for (let i = 0; i < depth; i++) v = i % 2 ? { stream: v } : [v];
  return v;
}

const shape: fc.Arbitrary<ArgShape> = fc.oneof(
  { weight: 12, arbitrary: fc.constant('payload+ack' as const) },
  { weight: 1, arbitrary: fc.constantFrom('ack-only' as const, 'payload' as const, 'none' as const, 'payload+extra+ack' as const, 'payload+binary+ack' as const) },
);

const unknownEvent: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom('event', 'message', 'error', 'ping', 'subscribe ', 'Subscribe', 'chat:Send', 'chat', 'unsubscribe:all', 'admin', '__proto__', 'constructor', 'toString', 'hasOwnProperty', '', 'x'.repeat(300)),
  nastyString(),
);

const emit: fc.Arbitrary<SocketAction> = fc.oneof(
  {
    weight: 5,
    arbitrary: fc.record({ kind: fc.constant('emit' as const), who, event: fc.constant('subscribe'), shape, payload: fc.oneof({ weight: 6, arbitrary: subscribePayload }, { weight: 1, arbitrary: anyPayload }), extra: anyJson(1) }),
  },
  {
    weight: 2,
    arbitrary: fc.record({ kind: fc.constant('emit' as const), who, event: fc.constant('unsubscribe'), shape, payload: fc.oneof({ weight: 6, arbitrary: fc.record({ stream: streamName }) }, { weight: 1, arbitrary: anyPayload }), extra: anyJson(1) }),
  },
  {
    weight: 4,
    arbitrary: fc.record({ kind: fc.constant('emit' as const), who, event: fc.constant('chat:send'), shape, payload: fc.oneof({ weight: 6, arbitrary: chatPayload }, { weight: 1, arbitrary: anyPayload }), extra: anyJson(1) }),
  },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('emit' as const), who, event: unknownEvent, shape, payload: fc.oneof(subscribePayload, anyPayload), extra: anyJson(1) }) },
);

/** Raw Socket.IO packets (after the `40` connect): malformed, with ack ids, binary, reserved names. */
const rawFrames: fc.Arbitrary<(string | Uint8Array)[]> = fc.array(
  fc.oneof(
    fc.constantFrom(
      '42["subscribe",{"stream":"latest"}]',
      '421["subscribe",{"stream":"latest"}]',
      '4299["subscribe",{"stream":"chat:lobby"}]',
      '427["unsubscribe",{"stream":"latest"}]',
      '428["chat:send",{"room":"lobby","text":"raw","clientId":"raw-1"}]',
      '429["chat:send"]',
      '4210["subscribe"]',
      '4211["subscribe",null]',
      '4212["subscribe",1,2,3]',
      '42["disconnect"]',
      '42["disconnecting"]',
      '42["connect"]',
      '42["error",{"x":1}]',
      '42["newListener","subscribe"]',
      '42["removeListener","subscribe"]',
      '421["disconnect"]',
      '42[',
      '42{}',
      '42"subscribe"',
      '42[null]',
      '42[1]',
      '42[]',
      '42["__proto__"]',
      '421234567890123456789["subscribe",{"stream":"latest"}]',
      '42-1["subscribe",{"stream":"latest"}]',
      '43["x"]',
      '431["x"]',
      '451-["subscribe",{"_placeholder":true,"num":0}]',
      '452-["subscribe",{"_placeholder":true,"num":5}]',
      '4513-["chat:send",{"_placeholder":true,"num":0}]',
      '40/admin,',
      '40/nope,{"token":1}',
      '42/nope,["subscribe",{"stream":"latest"}]',
      '41',
      '44{"message":"x"}',
      '46',
      '4',
      '49',
      '2',
      '3',
      '5',
      '6',
      '9',
      '',
    ),
    fc.tuple(fc.constantFrom('42', '4213'), anyJson(3)).map(([prefix, v]) => `${prefix}${JSON.stringify(['subscribe', v])}`),
    nastyString().map((s) => `42${JSON.stringify([s, { stream: 'latest' }])}`),
    nastyString(),
    fc.uint8Array({ minLength: 1, maxLength: 64 }),
  ),
  { minLength: 1, maxLength: 4 },
);

const raw: fc.Arbitrary<SocketAction> = fc.record({ kind: fc.constant('raw' as const), anon: fc.boolean(), slot: fc.nat({ max: 63 }), frames: rawFrames });

const reconnect: fc.Arbitrary<SocketAction> = fc.record({ kind: fc.constant('reconnect' as const), who });

export const socketAction: fc.Arbitrary<SocketAction> = fc.oneof({ weight: 30, arbitrary: emit }, { weight: 3, arbitrary: raw }, { weight: 1, arbitrary: reconnect });

/** Actions sent together (from several sockets at once). */
export const socketBatch: fc.Arbitrary<SocketAction[]> = fc.array(socketAction, { minLength: 1, maxLength: 6 });

/** Resolves picks and stream names in a payload. */
export function resolvePayload(payload: unknown, pools: Pools): unknown {
  if (payload instanceof StreamOf) return `${payload.kind}:${String(resolve(payload.arg, pools))}`;
  if (payload instanceof Uint8Array) return Buffer.from(payload);
  if (Array.isArray(payload)) return payload.map((v) => resolvePayload(v, pools));
  if (payload && typeof payload === 'object' && !(payload instanceof Pick) && !(payload instanceof Poisoned)) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(payload)) Object.defineProperty(out, k, { value: resolvePayload(v, pools), enumerable: true, writable: true, configurable: true });
    return out;
  }
  return resolve(payload, pools);
}

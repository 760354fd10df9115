// The realtime fuzz run: real socket.io-client sockets (signed out and signed in) and raw
// WebSockets send generated events; every acknowledgement is checked against the contract, unknown
// events must be ignored, a socket may only be dropped for an oversized payload or a malformed
// packet, and the server must stay up and leave a consistent database behind.
import fc from 'fast-check';
import { io, type Socket } from 'socket.io-client';
import WebSocket from 'ws';
import { checkAck, type Violation } from './contract.js';
import { Findings, type Finding } from './findings.js';
import { clip } from './http-gen.js';
import type { RunOptions } from './http-fuzz.js';
import { parseChatText } from '../../../src/features/chat/chat.text.js';
import { checkDatabase } from './invariants.js';
import { SOCKET_REGRESSIONS } from './regressions.js';
import { CLIENT_RESERVED, KNOWN_EVENTS, resolvePayload, socketBatch, type SocketAction, type Who } from './socket-gen.js';
import type { Pools } from './pools.js';
import { World } from './world.js';

export interface SocketReport {
  seed: number;
  runs: number;
  actions: number;
  /** Emits per event name (unknown names counted together), raw frames, reconnects. */
  sent: Record<string, number>;
  /** Acknowledgements by event and outcome: `subscribe ok`, `chat:send RATE_LIMITED`, … */
  acks: Record<string, number>;
  /** Disconnects the server caused, by reason, and whether an action excused them. */
  disconnects: Record<string, number>;
  durationMs: number;
  findings: Finding[];
  known: Finding[];
  dbCounts: Record<string, number>;
  /** Warnings the server logged, by message. */
  warnings: Record<string, number>;
}

/** Engine.IO refuses messages over maxHttpBufferSize (16 KiB) by closing the connection. */
const BIG = 15_000;
const ACK_TIMEOUT_MS = 10_000;
const LIVENESS_EVERY = 10;
const CONTROL = /[\u0000-\u0008\u000B-\u001F\u007F-\u009F\u202A-\u202E\u2066-\u2069]/;

interface Tracked {
  socket: Socket;
  /** Set when the connection ended, with the reason socket.io-client gives. */
  gone?: string;
  /** Set when an emit over the size limit went out on it: the server may close it at any time after. */
  oversized?: boolean;
  ended: Promise<string>;
}

export async function fuzzSockets(opts: RunOptions): Promise<SocketReport> {
  const log = opts.log ?? (() => {});
  const started = Date.now();
  const world = await World.start({ log, users: 4, photos: 3 });
  log(`socket: server up and seeded in ${Date.now() - started} ms`);
  const findings = new Findings();
  const sent: Record<string, number> = {};
  const acks: Record<string, number> = {};
  const disconnects: Record<string, number> = {};
  const count = (m: Record<string, number>, k: string) => (m[k] = (m[k] ?? 0) + 1);
  const replay = (index: number) =>
    index < 0 ? 'a regression input (test/fuzz/lib/regressions.ts)' : `npm run fuzz -- --only socket --seed ${opts.seed} --path ${index}`;
  const sockets = new Map<string, Tracked>();
  const pending = new Set<Promise<unknown>>();

  const keyOf = (w: Who) => (w.anon ? `anon:${w.i}` : `slot:${world.slotIndex(w.slot)}`);
  const cookieOf = (w: Who) => (w.anon ? undefined : world.cookieOf(w.slot));

  const opening = new Map<string, Promise<Tracked>>();
  const open = (w: Who): Promise<Tracked> => {
    const key = keyOf(w);
    const existing = sockets.get(key);
    if (existing && !existing.gone && existing.socket.connected) return Promise.resolve(existing);
    let p = opening.get(key);
    if (!p) {
      p = connectAs(w).finally(() => opening.delete(key));
      opening.set(key, p);
    }
    return p;
  };
  const connectAs = async (w: Who): Promise<Tracked> => {
    const key = keyOf(w);
    const cookie = cookieOf(w);
    const socket = io(world.base, { transports: ['websocket'], extraHeaders: cookie ? { cookie } : {}, reconnection: false, forceNew: true, timeout: 5_000 });
    let ended!: (reason: string) => void;
    const tracked: Tracked = { socket, ended: new Promise((r) => (ended = r)) };
    socket.on('disconnect', (reason, details) => {
      // For a closed transport, the WebSocket close code says who closed it and why (1009: too big).
      const d = details as { description?: { code?: unknown; reason?: unknown } | string; context?: unknown } | undefined;
      const code = typeof d?.description === 'object' ? d.description.code : undefined;
      tracked.gone = code !== undefined ? `${reason}, close code ${String(code)}` : reason;
      ended(tracked.gone);
    });
    socket.on('event', (env: { offset?: unknown }) => {
      if (typeof env?.offset === 'string') world.pools.add('offset', env.offset);
    });
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', () => resolve());
      socket.once('connect_error', (err) => reject(new Error(`${key} could not connect: ${err.message}`)));
    });
    sockets.set(key, tracked);
    return tracked;
  };

  /** Sends one action and checks what comes back. */
  const act = async (a: SocketAction, index: number): Promise<void> => {
    const describedOf = (payload: unknown) => {
      try {
        return clip(JSON.stringify(payload) ?? 'undefined', 300);
      } catch {
        return String(payload);
      }
    };
    if (a.kind === 'reconnect') {
      count(sent, 'reconnect');
      sockets.get(keyOf(a.who))?.socket.disconnect();
      sockets.delete(keyOf(a.who));
      return;
    }
    if (a.kind === 'raw') {
      count(sent, 'raw');
      await rawSession(world.port, a.anon ? undefined : world.cookieOf(a.slot), a.frames, (event, ack) => {
        count(acks, `${event} (raw) ${ackOutcome(ack)}`);
        for (const v of checkAck(event, ack)) findings.add(v, `raw frames ${describedOf(a.frames.map((f) => (typeof f === 'string' ? f : `<${f.length} bytes>`)))}`, replay(index));
      });
      return;
    }
    const known = (KNOWN_EVENTS as readonly string[]).includes(a.event);
    count(sent, known ? a.event : 'unknown event');
    if (CLIENT_RESERVED.has(a.event)) return; // socket.io-client refuses these; the raw frames send them
    const tracked = await open(a.who);
    const payload = resolvePayload(a.payload, world.pools);
    const input = `${keyOf(a.who)} emit ${clip(JSON.stringify(a.event), 80)} (${a.shape}) ${describedOf(payload)}`;
    const record = (v: Violation) => findings.add(v, input, replay(index));
    const size = sizeOf([a.event, payload, a.extra]);
    if (size >= BIG) tracked.oversized = true;
    const args: unknown[] = [];
    let expectAck = false;
    let ackArrived: (ack: unknown) => void = () => {};
    const ackP = new Promise<unknown>((r) => (ackArrived = r));
    const callback = (ack: unknown) => {
      if (!known) {
        record({ property: 'unknown-ignored', detail: `the unknown event ${JSON.stringify(a.event).slice(0, 60)} was acknowledged with ${describedOf(ack)}`, signature: 'unknown-ignored' });
        return;
      }
      ackArrived(ack);
    };
    switch (a.shape) {
      case 'payload+ack':
        args.push(payload, callback);
        expectAck = known;
        break;
      case 'ack-only':
        args.push(callback);
        expectAck = known;
        break;
      case 'payload':
        args.push(payload);
        break;
      case 'none':
        break;
      case 'payload+extra+ack':
        args.push(payload, a.extra, callback);
        break;
      case 'payload+binary+ack':
        args.push(payload, Buffer.from([1, 2, 3]), callback);
        break;
    }
    try {
      (tracked.socket.emit as (ev: string, ...rest: unknown[]) => void)(a.event, ...args);
    } catch (err) {
      count(sent, 'refused by the client');
      log(`socket.io-client refused ${input}: ${(err as Error).message}`);
      return;
    }
    if (!known) return;
    // A send whose clientId this user never used before must post a new message with the text sent.
    const clientId = (payload as { clientId?: unknown } | null)?.clientId;
    const sender = a.who.anon ? undefined : world.slots[world.slotIndex(a.who.slot)]?.username;
    const idKey = a.event === 'chat:send' && sender && typeof clientId === 'string' ? `${sender}\u0001${clientId}` : undefined;
    if (idKey) {
      clientIds.set(idKey, (clientIds.get(idKey) ?? 0) + 1);
      chatLog.push({ sender: sender!, clientId: clientId as string, shape: a.shape, index });
    }
    const fresh = idKey !== undefined && clientIds.get(idKey) === 1;
    const waited = ackP.then(async (ack) => {
      if (process.env.FUZZ_DEBUG) log(`${input} -> ${describedOf(ack)}`);
      count(acks, `${a.event} ${ackOutcome(ack)}`);
      for (const v of checkAck(a.event, ack)) record(v);
      checkMeaning(a, payload, ack, record, fresh && clientIds.get(idKey!) === 1);
      const message = (ack as { ok?: boolean; message?: { id?: unknown; text?: unknown; kind?: unknown } }).message;
      if ((ack as { ok?: boolean }).ok !== true || !message || typeof message.id !== 'string') return;
      // Only when no other send with the same clientId raced it.
      if (fresh && clientIds.get(idKey!) === 1) {
        const expected = parseChatText((payload as { text?: unknown }).text);
        if (messageIds.has(message.id)) {
          record({ property: 'chat-idempotency', detail: `a send with a clientId never used before got an earlier message back (id ${message.id}, ${JSON.stringify(message.text)})`, signature: 'chat-idempotency earlier message' });
        } else if (expected.ok && (message.text !== Buffer.from(expected.text, 'utf8').toString('utf8') || message.kind !== expected.kind)) {
          const earlier = earlierSends(sender!, clientId as string, index);
          record({
            property: 'chat-text',
            detail: `stored ${JSON.stringify(message.text)} (${message.kind}, id ${message.id}) for a text that sanitizes to ${JSON.stringify(expected.text)} (${expected.kind})${earlier ? `; earlier sends with the same stored clientId: ${earlier}` : ''}`,
            signature: 'chat-text',
          });
        }
      }
      messageIds.add(message.id);
    });
    if (!expectAck) {
      // Not waited for, but checked if it comes.
      pending.add(waited);
      void waited.finally(() => pending.delete(waited));
      return;
    }
    // A dropped connection is judged once per batch (see below), with every payload sent on it.
    const outcome = await Promise.race([waited.then(() => 'ack'), tracked.ended.then(() => 'gone'), delay(ACK_TIMEOUT_MS).then(() => 'timeout')]);
    if (outcome === 'timeout') record({ property: 'ack-answered', detail: `no acknowledgement within ${ACK_TIMEOUT_MS} ms (a ${size}-byte payload)`, signature: `ack-answered ${a.event}` });
  };

  const checkMeaning = (a: Extract<SocketAction, { kind: 'emit' }>, payload: unknown, ack: unknown, record: (v: Violation) => void, fresh: boolean) => {
    const res = ack as { ok?: boolean; head?: unknown; missed?: { offset?: unknown }[]; message?: { text?: string; room?: string; kind?: string; user?: { username?: string } } };
    if (!res || res.ok !== true) return;
    const slot = a.who.anon ? undefined : world.slots[world.slotIndex(a.who.slot)];
    if (a.event === 'subscribe') {
      if (typeof res.head === 'string') world.pools.add('offset', res.head);
      for (const m of res.missed ?? []) if (typeof m?.offset === 'string') world.pools.add('offset', m.offset);
      const stream = (payload as { stream?: unknown })?.stream;
      const kind = typeof stream === 'string' ? stream.split(':')[0] : '';
      if (a.who.anon && ['home', 'user', 'system', 'chat'].includes(kind!)) {
        record({ property: 'authorization', detail: `a signed-out socket was let into ${JSON.stringify(stream)}`, signature: `authorization anon ${kind}` });
      }
      if (slot && !slot.admin && kind === 'system') record({ property: 'authorization', detail: `${slot.username} (not an admin) was let into system`, signature: 'authorization system' });
    }
    if (a.event === 'chat:send') {
      if (a.who.anon) record({ property: 'authorization', detail: 'a signed-out socket posted a chat message', signature: 'authorization anon chat' });
      const m = res.message;
      const req = payload as { room?: unknown };
      if (m && typeof m.text === 'string') {
        if (CONTROL.test(m.text) || m.text !== m.text.trim() || m.text.length === 0 || [...m.text].length > 1000) {
          record({ property: 'chat-sanitized', detail: `the stored text ${JSON.stringify(m.text.slice(0, 80))} is not sanitized text of 1 to 1000 characters`, signature: 'chat-sanitized' });
        }
        if (fresh && m.room !== req.room) record({ property: 'chat-room', detail: `sent to ${JSON.stringify(req.room)}, stored in ${JSON.stringify(m.room)}`, signature: 'chat-room' });
        if (slot && m.user?.username !== slot.username && !world.slots.some((s) => s.username === m.user?.username)) {
          record({ property: 'chat-author', detail: `posted by ${slot.username}, attributed to ${m.user?.username}`, signature: 'chat-author' });
        }
      }
    }
  };

  // chat:send idempotency: per user and clientId (the exact string), how many sends are in flight or
  // done, and every message id an acknowledgement returned.
  const clientIds = new Map<string, number>();
  const messageIds = new Set<string>();
  const chatLog: { sender: string; clientId: string; shape: string; index: number }[] = [];
  const earlierSends = (sender: string, clientId: string, index: number) =>
    chatLog
      .filter((e) => e.sender === sender && e.index < index && Buffer.from(e.clientId).equals(Buffer.from(clientId)))
      .map((e) => `run ${e.index} (${e.shape}) clientId ${JSON.stringify(e.clientId)}`)
      .join('; ');

  let runs = 0;
  let actions = 0;
  const base = opts.path ? Number(opts.path.split(':')[0]) : 0;
  const property = fc.asyncProperty(socketBatch, async (batch) => {
    const index = base + runs++;
    actions += batch.length;
    const before = new Map([...sockets].map(([k, t]) => [k, t.gone]));
    await Promise.all(
      batch.map((a) =>
        act(a, index).catch((err: unknown) => {
          findings.add({ property: 'connects', detail: (err as Error).message, signature: `connects ${(err as Error).message.replace(/\d+/g, 'N').slice(0, 80)}` }, describeAction(a, world.pools), replay(index));
        }),
      ),
    );
    // A connection the server dropped during the batch needs an excuse: an oversized payload or a raw frame.
    for (const [key, t] of sockets) {
      if (!t.gone || before.get(key) === t.gone) continue;
      const mine = batch.filter((a) => a.kind === 'emit' && keyOf(a.who) === key) as Extract<SocketAction, { kind: 'emit' }>[];
      const excused = t.oversized === true || t.gone === 'io client disconnect';
      count(disconnects, `${t.gone}${excused ? ' (oversized payload)' : ''}`);
      if (!excused) {
        findings.add(
          { property: 'socket-kept', detail: `the server dropped a connection (${t.gone}) after payloads under ${BIG} bytes`, signature: `socket-kept ${t.gone}` },
          mine.map((m) => describeAction(m, world.pools)).join(' | ') || '(no emit on that socket in the batch)',
          replay(index),
        );
      }
      sockets.delete(key);
    }
    if (index % LIVENESS_EVERY === 0) {
      const down = (await world.down()) ?? (await realtimeDown(world.base));
      if (down) {
        findings.add({ property: 'server-up', detail: down, signature: `server-up ${down.replace(/\d+/g, 'N')}` }, batch.map((m) => describeAction(m, world.pools)).join(' | '), replay(index));
        throw new Error(down);
      }
    }
    return true;
  });

  let dbCounts: Record<string, number> = {};
  try {
    const details = await fc.check(property, {
      seed: opts.seed,
      numRuns: opts.path ? 1 : (opts.runs ?? (opts.seconds ? 1_000_000 : 300)),
      ...(opts.path ? { path: opts.path } : {}),
      ...(opts.seconds ? { interruptAfterTimeLimit: opts.seconds * 1000, markInterruptAsFailure: false } : {}),
      endOnFailure: true,
    });
    if (details.failed && !findings.fresh.some((f) => f.property === 'server-up')) {
      findings.add({ property: 'fuzzer', detail: `the fuzzer itself failed: ${String(details.errorInstance)}`, signature: 'fuzzer' }, String(details.counterexample), replay(base));
    }
    // The inputs that found something before, word for word, from a user of their own (the fuzzed
    // ones may be at their rate limit by now).
    if (!opts.path) {
      const slot = await world.addUser('fz_regress');
      for (const r of SOCKET_REGRESSIONS) {
        const action = r.action.kind === 'emit' && !r.action.who.anon ? { ...r.action, who: { anon: false as const, slot } } : r.action;
        await act(action, -1);
      }
    }
    await Promise.race([Promise.all(pending), delay(ACK_TIMEOUT_MS)]);
    for (const t of sockets.values()) t.socket.disconnect();
    await delay(300);
    const down = (await world.down()) ?? (await realtimeDown(world.base));
    if (down) findings.add({ property: 'server-up', detail: `at the end: ${down}`, signature: 'server-up end' }, 'after the last action', replay(base));
    await world.quiesce();
    for (const v of await world.stop()) findings.add(v, 'SIGTERM after the run', replay(base));
    for (const { violation } of world.logViolations()) findings.add(violation, 'a realtime request (socket logs carry no request id)', replay(base));
    const db = await checkDatabase(world.server.dataDir);
    dbCounts = db.counts;
    for (const v of db.violations) findings.add(v, 'the data dir after the run', `npm run fuzz -- --only socket --seed ${opts.seed}`);
  } finally {
    for (const t of sockets.values()) t.socket.disconnect();
    await world.dispose();
  }
  return { seed: opts.seed, runs, actions, sent, acks, disconnects, durationMs: Date.now() - started, findings: findings.fresh, known: findings.known, dbCounts, warnings: Object.fromEntries(world.warnings) };
}

function ackOutcome(ack: unknown): string {
  const a = ack as { ok?: unknown; error?: { code?: unknown } } | null;
  return a?.ok === true ? 'ok' : typeof a?.error?.code === 'string' ? a.error.code : 'malformed';
}

/** About what the packet weighs on the wire (binary parts count their bytes). */
function sizeOf(value: unknown): number {
  try {
    return Buffer.byteLength(JSON.stringify(value) ?? '');
  } catch {
    return 0;
  }
}

function describeAction(a: SocketAction, pools?: Pools): string {
  if (a.kind === 'reconnect') return `reconnect ${JSON.stringify(a.who)}`;
  if (a.kind === 'raw') return `raw ${clip(JSON.stringify(a.frames.map((f) => (typeof f === 'string' ? f : `<${f.length} bytes>`))), 300)}`;
  let shown: string;
  try {
    shown = clip(JSON.stringify(pools ? resolvePayload(a.payload, pools) : a.payload) ?? 'undefined', 300);
  } catch {
    shown = String(a.payload);
  }
  return `${JSON.stringify(a.who)} emit ${clip(JSON.stringify(a.event), 80)} (${a.shape}) ${shown}`;
}

function delay(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms).unref());
}

/** Null when a fresh signed-out socket connects and subscribes to `latest`. */
async function realtimeDown(base: string): Promise<string | null> {
  const socket = io(base, { transports: ['websocket'], reconnection: false, forceNew: true, timeout: 5_000 });
  try {
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', () => resolve());
      socket.once('connect_error', (err) => reject(err));
    });
    const ack = (await socket.timeout(5_000).emitWithAck('subscribe', { stream: 'latest' })) as { ok?: boolean };
    return ack?.ok === true ? null : `a fresh socket could not subscribe to latest: ${JSON.stringify(ack)}`;
  } catch (err) {
    return `a fresh socket failed: ${(err as Error).message}`;
  } finally {
    socket.disconnect();
  }
}

/**
 * A raw Engine.IO v4 / Socket.IO v5 session: open, connect to `/`, send the frames, and read what
 * comes back for a moment. Acknowledgements (`43<id>[…]`) are handed to `onAck` with the event the
 * frame with that id carried.
 */
async function rawSession(port: number, cookie: string | undefined, frames: (string | Uint8Array)[], onAck: (event: string, ack: unknown) => void): Promise<void> {
  const ws = new WebSocket(`ws://127.0.0.1:${port}/socket.io/?EIO=4&transport=websocket`, { headers: cookie ? { cookie } : {} });
  const events = new Map<string, string>();
  for (const f of frames) {
    if (typeof f !== 'string') continue;
    const m = /^42(\d{1,9})(\[.*)$/s.exec(f);
    if (!m) continue;
    try {
      const [event] = JSON.parse(m[2]!) as unknown[];
      if (typeof event === 'string') events.set(m[1]!, event);
    } catch {
      // malformed on purpose
    }
  }
  await new Promise<void>((resolve) => {
    let phase: 'open' | 'connect' | 'sent' = 'open';
    const finish = () => {
      clearTimeout(timer);
      ws.removeAllListeners();
      ws.on('error', () => {});
      ws.terminate();
      resolve();
    };
    const timer = setTimeout(finish, 3_000);
    ws.on('error', finish);
    ws.on('close', finish);
    ws.on('message', (data, isBinary) => {
      if (isBinary) return;
      const text = data.toString();
      if (text === '2') ws.send('3');
      if (phase === 'open' && text.startsWith('0')) {
        phase = 'connect';
        ws.send('40');
        return;
      }
      if (phase === 'connect' && text.startsWith('40')) {
        phase = 'sent';
        for (const f of frames) ws.send(f);
        setTimeout(finish, 150);
        return;
      }
      const ack = /^43(\d{1,9})(\[.*)$/s.exec(text);
      if (ack && events.has(ack[1]!)) {
        try {
          const [first] = JSON.parse(ack[2]!) as unknown[];
          onAck(events.get(ack[1]!)!, first);
        } catch {
          onAck(events.get(ack[1]!)!, text);
        }
      }
    });
  });
}

export function formatSocketReport(r: SocketReport): string {
  const fmt = (m: Record<string, number>) =>
    Object.entries(m)
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([k, n]) => `    ${k.padEnd(40)} ${n}`)
      .join('\n');
  return [
    `socket fuzz, seed ${r.seed}: ${r.actions} actions in ${r.runs} batches, ${(r.durationMs / 1000).toFixed(1)} s`,
    `  sent:\n${fmt(r.sent)}`,
    `  acknowledgements:\n${fmt(r.acks)}`,
    `  connections the server dropped:\n${fmt(r.disconnects) || '    none'}`,
    `  rows at the end: ${Object.entries(r.dbCounts).map(([t, n]) => `${t} ${n}`).join(', ')}`,
    ...(Object.keys(r.warnings).length ? [`  server warnings: ${Object.entries(r.warnings).map(([m, n]) => `${m} (${n}×)`).join('; ')}`] : []),
  ].join('\n');
}

// A client process of the fan-out benchmark: it opens its share of the 1,000 clients for one
// contender, subscribes each to `latest` and to one city, and times every event it receives
// against the publish time stamped in the payload. The orchestrator (bench/fanout.ts) drives it
// over IPC. Several such processes share the clients, so the receiving side is not one event loop.
//
// The receivers are the load generator, on the same two cores as the servers they measure, so they
// are kept light and identical for every contender: one `ws` connection each, speaking the
// Socket.IO protocol itself for the Socket.IO servers (Engine.IO v4 over WebSocket: open, connect
// to the namespace, emit with acks, answer pings), and reading the stamp out of the frame's text
// without parsing the whole JSON. CLIENT_LIB=socket.io-client uses the real client library instead
// (it costs about as much CPU per delivery as the servers do).
import { io, type Socket } from 'socket.io-client';
import WebSocket from 'ws';
import { bucketOf, BUCKETS, type Contender, type FromClients, now, readStamp, sparse, type ToClients } from './common.js';

const CONNECT_CONCURRENCY = 50;
const REAL_CLIENT = process.env.CLIENT_LIB === 'socket.io-client';
const CONNECT_TIMEOUT_MS = 15_000;

interface Client {
  id: number;
  close(): void;
  open(): boolean;
}

let contender: Contender;
let urls: string[] = [];
let cities: string[] = [];
/** Client id → its session cookie, for signed-in clients (benchmark 8). */
let cookies = new Map<number, string>();

/**
 * What client `id` watches: an anonymous wall (`latest` and a city), or with a cookie what a
 * signed-in page opens (`home`, `user`, `latest`), as Strobe streams or as the baseline's rooms.
 */
function watches(id: number, city: string, strobe: boolean): string[] {
  if (!cookies.has(id)) return ['latest', `city:${city}`];
  return strobe ? ['home', 'user', 'latest'] : ['latest', `home:${id}`, `user:${id}`];
}
const clients = new Map<number, Client>();
const hists = new Map<number, Uint32Array>();

function record(env: unknown): void {
  const t = now();
  const stamp = readStamp(env);
  if (stamp) count(stamp[0], t - stamp[1]);
}

const PIPE = 0x7c;
const QUOTE = 0x22;

/** The same from a frame's bytes, undecoded: the caption ends with `|<step>|<publish time>"`. */
function recordFrame(frame: Buffer): void {
  const t = now();
  const c = frame.lastIndexOf(PIPE);
  const b = frame.lastIndexOf(PIPE, c - 1);
  if (b < 0) return;
  count(Number(frame.toString('latin1', b + 1, c)), t - Number(frame.toString('latin1', c + 1, frame.indexOf(QUOTE, c))));
}

function count(step: number, latency: number): void {
  let h = hists.get(step);
  if (!h) hists.set(step, (h = new Uint32Array(BUCKETS)));
  h[bucketOf(latency)]!++;
}

function withTimeout<T>(p: Promise<T>, what: string): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${what}: no answer within ${CONNECT_TIMEOUT_MS} ms`)), CONNECT_TIMEOUT_MS);
    p.then(
      (v) => (clearTimeout(timer), resolve(v)),
      (e: unknown) => (clearTimeout(timer), reject(e as Error)),
    );
  });
}

async function openSocketIo(id: number, url: string, city: string, strobe: boolean): Promise<Client> {
  const cookie = cookies.get(id);
  const socket: Socket = io(url, { transports: ['websocket'], forceNew: true, reconnection: false, timeout: CONNECT_TIMEOUT_MS, extraHeaders: cookie ? { cookie } : {} });
  const client: Client = { id, close: () => socket.close(), open: () => socket.connected };
  try {
    await withTimeout(
      new Promise<void>((resolve, reject) => {
        socket.once('connect', () => resolve());
        socket.once('connect_error', reject);
      }),
      'connect',
    );
    socket.on('event', record);
    if (strobe) {
      for (const stream of watches(id, city, true)) {
        const ack = await withTimeout(socket.emitWithAck('subscribe', { stream }) as Promise<{ ok: boolean; error?: unknown }>, 'subscribe');
        if (!ack.ok) throw new Error(`subscribe ${stream}: ${JSON.stringify(ack)}`);
      }
    } else {
      await withTimeout(socket.emitWithAck('join', watches(id, city, false)), 'join');
    }
    return client;
  } catch (err) {
    socket.close();
    throw err;
  }
}

async function openWs(id: number, url: string, city: string): Promise<Client> {
  const ws = new WebSocket(url.replace(/^http/, 'ws'), { perMessageDeflate: false });
  const client: Client = { id, close: () => ws.terminate(), open: () => ws.readyState === WebSocket.OPEN };
  try {
    await withTimeout(
      new Promise<void>((resolve, reject) => {
        ws.once('open', () => resolve());
        ws.once('error', reject);
      }),
      'connect',
    );
    const joined = new Promise<void>((resolve) => {
      ws.on('message', (raw: Buffer) => {
        if (raw.toString('latin1', 0, 9) === '{"joined"') resolve();
        else if (REAL_CLIENT) record(JSON.parse(String(raw)));
        else recordFrame(raw);
      });
    });
    ws.send(JSON.stringify({ join: ['latest', `city:${city}`] }));
    await withTimeout(joined, 'join');
    return client;
  } catch (err) {
    ws.terminate();
    throw err;
  }
}

/**
 * A Socket.IO client in a few lines: Engine.IO v4 over WebSocket only (`0` open, `2` ping → `3`
 * pong, `4` message), Socket.IO v5 packets inside (`0` connect, `2` event, `3` ack, `4` connect
 * error). Events are timed from their text; acks and the rest are parsed.
 */
async function openSocketIoLight(id: number, url: string, city: string, strobe: boolean): Promise<Client> {
  const cookie = cookies.get(id);
  const ws = new WebSocket(`${url.replace(/^http/, 'ws')}/socket.io/?EIO=4&transport=websocket`, { perMessageDeflate: false, headers: cookie ? { cookie } : {} });
  const client: Client = { id, close: () => ws.terminate(), open: () => ws.readyState === WebSocket.OPEN };
  const acks = new Map<number, (args: unknown[]) => void>();
  let nextAck = 0;
  let connected: (() => void) | undefined;
  let refused: ((err: Error) => void) | undefined;
  ws.on('message', (raw: Buffer) => {
    // `42[` is an event (the servers emit nothing else); acks are `43<id>[`.
    if (raw[0] === 0x34 && raw[1] === 0x32 && raw[2] === 0x5b) return recordFrame(raw);
    const text = String(raw);
    if (text === '2') return ws.send('3');
    if (text.startsWith('0')) return ws.send('40');
    if (text.startsWith('40')) return connected?.();
    if (text.startsWith('44')) return refused?.(new Error(`connect refused: ${text.slice(2)}`));
    if (text.startsWith('43')) {
      const open = text.indexOf('[');
      acks.get(Number(text.slice(2, open)))?.(JSON.parse(text.slice(open)) as unknown[]);
    }
  });
  const emitWithAck = (event: string, arg: unknown) =>
    new Promise<unknown>((resolve) => {
      const n = nextAck++;
      acks.set(n, (args) => (acks.delete(n), resolve(args[0])));
      ws.send(`42${n}${JSON.stringify([event, arg])}`);
    });
  try {
    await withTimeout(
      new Promise<void>((resolve, reject) => {
        connected = resolve;
        refused = reject;
        ws.once('error', reject);
        ws.once('close', () => reject(new Error('closed while connecting')));
      }),
      'connect',
    );
    if (strobe) {
      for (const stream of watches(id, city, true)) {
        const ack = (await withTimeout(emitWithAck('subscribe', { stream }), 'subscribe')) as { ok: boolean };
        if (!ack.ok) throw new Error(`subscribe ${stream}: ${JSON.stringify(ack)}`);
      }
    } else {
      await withTimeout(emitWithAck('join', watches(id, city, false)), 'join');
    }
    return client;
  } catch (err) {
    ws.terminate();
    throw err;
  }
}

function openOne(id: number): Promise<Client> {
  const url = urls[id % urls.length]!;
  const city = cities[id % cities.length]!;
  if (contender === 'ws') return openWs(id, url, city);
  return (REAL_CLIENT ? openSocketIo : openSocketIoLight)(id, url, city, contender.startsWith('strobe'));
}

async function openAll(ids: number[]): Promise<{ failed: number; error?: string }> {
  let next = 0;
  let failed = 0;
  let error: string | undefined;
  await Promise.all(
    Array.from({ length: CONNECT_CONCURRENCY }, async () => {
      while (next < ids.length) {
        const id = ids[next++]!;
        try {
          clients.set(id, await openOne(id));
        } catch (err) {
          failed++;
          error ??= (err as Error).message;
        }
      }
    }),
  );
  return { failed, error };
}

const openCount = () => [...clients.values()].filter((c) => c.open()).length;
const send = (msg: FromClients) => process.send!(msg);

process.on('message', (msg: ToClients) => {
  void (async () => {
    if (msg.cmd === 'open') {
      for (const c of clients.values()) c.close();
      clients.clear();
      hists.clear();
      ({ contender, urls, cities } = msg);
      cookies = new Map(msg.cookies?.map((c, i) => [msg.ids[i]!, c] as const).filter(([, c]) => c !== ''));
      const { failed, error } = await openAll(msg.ids);
      send({ type: 'opened', open: openCount(), failed, error });
    } else if (msg.cmd === 'ensure') {
      // Clients that were dropped (a slow client is cut off by Strobe) come back for the next step.
      const lost = [...clients.values()].filter((c) => !c.open()).map((c) => c.id);
      for (const id of lost) clients.get(id)!.close();
      const { failed, error } = await openAll(lost);
      send({ type: 'opened', open: openCount(), failed, error });
    } else if (msg.cmd === 'report') {
      const h = hists.get(msg.step);
      const received = h ? h.reduce((a, b) => a + b, 0) : 0;
      send({ type: 'report', step: msg.step, received, hist: h ? sparse(h) : [], open: openCount() });
    } else if (msg.cmd === 'disconnect') {
      for (const c of clients.values()) c.close();
      clients.clear();
      send({ type: 'disconnected' });
    } else if (msg.cmd === 'close') {
      for (const c of clients.values()) c.close();
      clients.clear();
      setTimeout(() => process.exit(0), 100);
    }
  })();
});
process.on('disconnect', () => process.exit(0));

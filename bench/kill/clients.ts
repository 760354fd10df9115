// Benchmark 7's client process: a share of the 1,500 realtime clients, driven by bench/kill.ts over
// IPC. Each client behaves like the browser app (web/src/lib/live.ts): socket.io-client with the
// app's options (WebSocket transport, socket.io-client's default reconnection: 1 s delay ×
// 0.5–1.5, doubling up to 5 s), every stream re-subscribed on (re)connect with `since` = the newest
// offset seen, a lost ack retried. Unlike the app it keeps every offset as it arrived, so a gap or a
// duplicate shows (as test/helpers/resuming-client.ts does), and it times each step of a resume.
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { io, type Socket } from 'socket.io-client';
import { compareOffsets, type ClientToServerEvents, type Envelope, type ServerToClientEvents, type SubscribeAck, type SubscribeRequest } from '../../src/shared/realtime.js';

type LiveSocket = Socket<ServerToClientEvents, ClientToServerEvents>;

const SUBSCRIBE_TIMEOUT_MS = 10_000; // as web/src/lib/live.ts
const LATENCY_CAP_MS = 30_000;

export type Phase = 'connect' | 'steady' | 'recovery' | 'settle';

/** Parent → child. */
export type Command =
  | { type: 'connect'; url: string; clients: { id: number; cookie: string; user: string }[]; streams: string[]; batch: number; reconnectionDelay?: number }
  | { type: 'phase'; phase: Phase }
  | { type: 'check'; killedAt: number; expected: Record<string, string[]>; timeoutMs: number }
  | { type: 'close' };

/** Per socket, what the check found. `expected` keys: `latest`, `user:<id>`. */
export interface SocketReport {
  id: number;
  drops: number;
  /** The socket dropped after the kill: it was on the killed instance. */
  affected: boolean;
  /** Timestamps (ms since epoch) of the first drop after the kill and of the steps of its resume. */
  dropAt?: number;
  firstAttemptAt?: number;
  openAt?: number;
  connectedAt?: number;
  resumedAt?: number;
  /** Reconnect attempts and failed ones (connect_error) until the resume. */
  attempts: number;
  connectErrors: number;
  missed: number;
  duplicated: number;
  /** Offsets received that were not published in this round. */
  extra: number;
  /** An offset not above the one before it (a duplicate or a reordering). */
  disorder: number;
  /** Resubscriptions answered `recovered: false` (the app would refetch over HTTP). */
  notRecovered: number;
  /** Events the resubscriptions replayed. */
  replayed: number;
  received: number;
}

/** Child → parent. */
export type Reply =
  | { type: 'ready'; count: number; ms: number }
  | { type: 'report'; sockets: SocketReport[]; latency: Partial<Record<Phase, number[]>>; loopDelay: Partial<Record<Phase, { p50: number; p99: number; max: number }>>; incomplete: number }
  | { type: 'closed' }
  | { type: 'error'; message: string };

interface StreamState {
  /** Every offset in arrival order, live and replayed, duplicates included. */
  offsets: string[];
  since?: string;
  attempt: number;
  ready: boolean;
  notRecovered: number;
  replayed: number;
}

interface Drop {
  at: number;
  firstAttemptAt?: number;
  /** The engine.io connection is open (WebSocket upgraded through HAProxy, engine handshake done). */
  openAt?: number;
  connectedAt?: number;
  resumedAt?: number;
  attempts: number;
  connectErrors: number;
}

let phase: Phase = 'connect';
/** Publish → receive latency of live events, 1 ms buckets, per phase. */
const latency: Partial<Record<Phase, number[]>> = {};
const LOOP_RESOLUTION_MS = 10;
const loop = monitorEventLoopDelay({ resolution: LOOP_RESOLUTION_MS });
const loopDelay: Partial<Record<Phase, { p50: number; p99: number; max: number }>> = {};
loop.enable();

function recordLatency(ms: number): void {
  const h = (latency[phase] ??= new Array<number>(LATENCY_CAP_MS + 1).fill(0));
  h[Math.max(0, Math.min(LATENCY_CAP_MS, Math.round(ms)))]!++;
}

class Client {
  readonly socket: LiveSocket;
  readonly streams = new Map<string, StreamState>();
  readonly drops: Drop[] = [];
  private connects = 0;

  constructor(
    url: string,
    readonly id: number,
    readonly user: string,
    names: readonly string[],
    cookie: string,
    reconnectionDelay: number | undefined,
  ) {
    for (const name of names) this.streams.set(name, { offsets: [], attempt: 0, ready: false, notRecovered: 0, replayed: 0 });
    // The app's options (web/src/lib/live.ts): WebSocket only, socket.io-client's reconnection
    // defaults. forceNew: one Manager per client, as each browser tab has its own.
    this.socket = io(url, { transports: ['websocket'], extraHeaders: { cookie }, forceNew: true, ...(reconnectionDelay === undefined ? {} : { reconnectionDelay }) });
    this.socket.on('event', (env) => this.onEvent(env));
    this.socket.on('connect', () => this.onConnect());
    this.socket.on('disconnect', () => {
      for (const s of this.streams.values()) s.ready = false;
      this.drops.push({ at: Date.now(), attempts: 0, connectErrors: 0 });
    });
    this.socket.on('connect_error', () => {
      const drop = this.drops.at(-1);
      if (drop && drop.connectedAt === undefined) drop.connectErrors++;
    });
    this.socket.io.on('reconnect_attempt', () => {
      const drop = this.drops.at(-1);
      if (!drop || drop.connectedAt !== undefined) return;
      drop.attempts++;
      drop.firstAttemptAt ??= Date.now();
    });
    this.socket.io.on('open', () => {
      const drop = this.drops.at(-1);
      if (drop && drop.connectedAt === undefined) drop.openAt = Date.now();
    });
  }

  get ready(): boolean {
    return this.connects > 0 && [...this.streams.values()].every((s) => s.ready);
  }

  private onConnect(): void {
    this.connects++;
    const drop = this.drops.at(-1);
    if (drop && drop.connectedAt === undefined) drop.connectedAt = Date.now();
    for (const [name, state] of this.streams) this.subscribe(name, state);
  }

  private onEvent(env: Envelope): void {
    const state = this.streams.get(env.stream);
    if (!state) return;
    recordLatency(Date.now() - env.ts);
    this.take(state, env);
  }

  /** Keeps the offset as it came; `since` follows the app: the newest offset seen. */
  private take(state: StreamState, env: Envelope): void {
    state.offsets.push(env.offset);
    if (!state.since || compareOffsets(env.offset, state.since) > 0) state.since = env.offset;
  }

  private subscribe(name: string, state: StreamState): void {
    const attempt = ++state.attempt;
    state.ready = false;
    const req: SubscribeRequest = state.since ? { stream: name, since: state.since } : { stream: name };
    this.socket.timeout(SUBSCRIBE_TIMEOUT_MS).emit('subscribe', req, (err: Error | null, ack: SubscribeAck) => {
      if (state.attempt !== attempt) return;
      if (err) {
        if (this.socket.connected) this.subscribe(name, state);
        return;
      }
      if (!ack.ok) return; // a refusal: the app shows an error; the check reports the socket as not resumed
      if (ack.recovered) {
        for (const env of ack.missed) this.take(state, env);
        state.replayed += ack.missed.length;
        if (ack.head && (!state.since || compareOffsets(ack.head, state.since) > 0)) state.since = ack.head;
      } else {
        if (state.since) state.notRecovered++; // a first subscription has nothing to recover
        state.since = ack.head;
      }
      state.ready = true;
      if (this.ready) {
        const drop = this.drops.at(-1);
        if (drop && drop.resumedAt === undefined) drop.resumedAt = Date.now();
      }
    });
  }

  report(killedAt: number, expected: Record<string, string[]>): SocketReport {
    const after = this.drops.filter((d) => d.at >= killedAt);
    const first = after[0];
    const r: SocketReport = {
      id: this.id,
      drops: this.drops.length,
      affected: !!first,
      attempts: after.reduce((n, d) => n + d.attempts, 0),
      connectErrors: after.reduce((n, d) => n + d.connectErrors, 0),
      missed: 0,
      duplicated: 0,
      extra: 0,
      disorder: 0,
      notRecovered: 0,
      replayed: 0,
      received: 0,
    };
    if (first) {
      r.dropAt = first.at;
      r.firstAttemptAt = first.firstAttemptAt;
      r.openAt = first.openAt;
      r.connectedAt = first.connectedAt;
      // Resumed means every stream acknowledged after the last drop: a second drop counts.
      r.resumedAt = after.every((d) => d.resumedAt !== undefined) ? after.at(-1)!.resumedAt : undefined;
    }
    for (const [name, state] of this.streams) {
      const want = new Set(expected[this.key(name)] ?? []);
      const seen = new Map<string, number>();
      for (const o of state.offsets) seen.set(o, (seen.get(o) ?? 0) + 1);
      for (const o of want) if (!seen.has(o)) r.missed++;
      for (const [o, n] of seen) {
        if (n > 1) r.duplicated += n - 1;
        if (!want.has(o)) r.extra++;
      }
      for (let i = 1; i < state.offsets.length; i++) if (compareOffsets(state.offsets[i - 1]!, state.offsets[i]!) >= 0) r.disorder++;
      r.notRecovered += state.notRecovered;
      r.replayed += state.replayed;
      r.received += state.offsets.length;
    }
    return r;
  }

  /** Has every expected offset arrived? */
  complete(expected: Record<string, string[]>): boolean {
    for (const [name, state] of this.streams) {
      const want = expected[this.key(name)] ?? [];
      if (state.offsets.length < want.length) return false;
      const seen = new Set(state.offsets);
      if (!want.every((o) => seen.has(o))) return false;
    }
    return true;
  }

  /** The bus stream behind a public name, as the publisher knows it. */
  private key(name: string): string {
    return name === 'user' ? `user:${this.user}` : name;
  }
}

let clients: Client[] = [];
const send = (reply: Reply): void => void process.send!(reply);
const delay = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until(check: () => boolean, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) return false;
    await delay(50);
  }
  return true;
}

function closePhase(): void {
  // The histogram holds the interval between timer turns: the lag is what exceeds the resolution.
  const ms = (ns: number) => Math.max(0, Math.round((ns / 1e6 - LOOP_RESOLUTION_MS) * 10) / 10);
  if (loop.count > 0) loopDelay[phase] = { p50: ms(loop.percentile(50)), p99: ms(loop.percentile(99)), max: ms(loop.max) };
  loop.reset();
}

async function handle(cmd: Command): Promise<void> {
  switch (cmd.type) {
    case 'connect': {
      const start = Date.now();
      clients = [];
      for (const k of Object.keys(latency)) delete latency[k as Phase];
      for (const k of Object.keys(loopDelay)) delete loopDelay[k as Phase];
      phase = 'connect';
      loop.reset();
      // In batches, as a crowd of tabs would open over a few seconds rather than in one instant.
      for (let i = 0; i < cmd.clients.length; i += cmd.batch) {
        const batch = cmd.clients.slice(i, i + cmd.batch).map((c) => new Client(cmd.url, c.id, c.user, cmd.streams, c.cookie, cmd.reconnectionDelay));
        clients.push(...batch);
        if (!(await until(() => batch.every((c) => c.ready), 30_000))) throw new Error(`clients ${batch[0]!.id}… did not connect and subscribe within 30 s`);
      }
      return send({ type: 'ready', count: clients.length, ms: Date.now() - start });
    }
    case 'phase':
      closePhase();
      phase = cmd.phase;
      return;
    case 'check': {
      await until(() => clients.every((c) => c.complete(cmd.expected) && !c.drops.some((d) => d.resumedAt === undefined)), cmd.timeoutMs);
      closePhase();
      const incomplete = clients.filter((c) => !c.complete(cmd.expected)).length;
      return send({ type: 'report', sockets: clients.map((c) => c.report(cmd.killedAt, cmd.expected)), latency, loopDelay, incomplete });
    }
    case 'close':
      for (const c of clients) c.socket.close();
      clients = [];
      return send({ type: 'closed' });
  }
}

process.on('message', (cmd: Command) => {
  handle(cmd).catch((err: Error) => send({ type: 'error', message: err.stack ?? err.message }));
});
process.on('disconnect', () => process.exit(0));
process.on('SIGTERM', () => process.exit(0)); // an ordinary exit, so --cpu-prof can write its profile

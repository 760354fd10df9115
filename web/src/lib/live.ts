// The realtime client: one Socket.IO connection, a registry of stream subscriptions, and
// resume-after-reconnect. Per stream it remembers `since` (the newest offset seen), so after
// any reconnect the server either replays exactly what was missed or says it cannot, in which
// case the page refetches over HTTP (onReset). Offsets at or below `since` are dropped, so no
// event is ever handled twice.
import { io, type Socket } from 'socket.io-client';
import {
  compareOffsets,
  type AckError,
  type ChatSendAck,
  type ChatSendRequest,
  type ClientToServerEvents,
  type Envelope,
  type ServerToClientEvents,
  type SubscribeAck,
  type SubscribeRequest,
} from '../../../src/shared/realtime.js';
import { createStore } from './store.js';

export type LiveSocket = Socket<ServerToClientEvents, ClientToServerEvents>;
export type ConnectionState = 'connected' | 'reconnecting' | 'disconnected';
export interface ConnectionInfo {
  state: ConnectionState;
  /** False until the first successful connect, so the UI can say "Connecting…" rather than "Reconnecting…". */
  everConnected: boolean;
}

export interface StreamHandlers {
  onEvent(env: Envelope): void;
  /** Continuity is not guaranteed (first subscribe, or history gone): refetch over HTTP and merge. */
  onReset(): void;
  /**
   * A resubscription recovered every event it missed. Live-only state (presence notices, which the
   * server never replays) may still have changed meanwhile: refetch that part now.
   */
  onRecovered?(): void;
  onError?(error: AckError['error']): void;
}

interface Listener {
  handlers: StreamHandlers;
  /** A listener that joined an existing subscription has no state yet and needs one reset. */
  needsReset: boolean;
}

interface StreamEntry {
  since?: string;
  listeners: Set<Listener>;
  /** Bumped on every subscribe sent, so a late ack from an older attempt is ignored. */
  attempt: number;
  /** The server acknowledged the subscription on the current connection. */
  ready: boolean;
}

const SUBSCRIBE_TIMEOUT_MS = 10_000;
const SEND_TIMEOUT_MS = 5_000;
const RETRY_REFUSED_MS = 5_000;

export class NotConnectedError extends Error {
  constructor() {
    super('Not connected');
    this.name = 'NotConnectedError';
  }
}

export class LiveClient {
  readonly connection = createStore<ConnectionInfo>({ state: 'reconnecting', everConnected: false });
  private socket: LiveSocket | null = null;
  private readonly streams = new Map<string, StreamEntry>();
  private readonly connectListeners = new Set<() => void>();
  private retryTimer: ReturnType<typeof setTimeout> | undefined;

  constructor(private readonly createSocket: () => LiveSocket = defaultSocket) {}

  get connected(): boolean {
    return this.socket?.connected ?? false;
  }

  start(): void {
    if (this.socket) return;
    const socket = this.createSocket();
    this.socket = socket;
    socket.on('connect', () => this.handleConnect());
    socket.on('disconnect', () => this.handleDown());
    socket.on('connect_error', () => this.handleDown());
    socket.on('event', (env) => this.handleEvent(env));
    window.addEventListener('offline', () => this.setState('disconnected'));
    window.addEventListener('online', () => this.handleOnline());
    socket.connect();
  }

  /** The session cookie changed (login, logout): the handshake must be redone to pick it up. */
  restart(): void {
    const socket = this.socket;
    if (!socket) return this.start();
    socket.disconnect();
    this.setState('reconnecting');
    socket.connect();
    clearTimeout(this.retryTimer); // armed by the disconnect just above
  }

  /** Runs on every (re)connect, after the streams were re-subscribed. */
  onConnect(listener: () => void): () => void {
    this.connectListeners.add(listener);
    return () => this.connectListeners.delete(listener);
  }

  subscribe(stream: string, handlers: StreamHandlers): () => void {
    const listener: Listener = { handlers, needsReset: true };
    let entry = this.streams.get(stream);
    if (!entry) {
      entry = { listeners: new Set([listener]), attempt: 0, ready: false };
      this.streams.set(stream, entry);
      if (this.connected) this.sendSubscribe(stream, entry);
    } else {
      entry.listeners.add(listener);
      const joined = entry;
      if (entry.ready) queueMicrotask(() => joined.listeners.has(listener) && this.resetListener(listener));
    }
    return () => this.removeListener(stream, listener);
  }

  /** Sends a chat message; rejects with NotConnectedError, or a timeout error after 5 s. */
  sendChat(req: ChatSendRequest): Promise<ChatSendAck> {
    const socket = this.socket;
    if (!socket?.connected) return Promise.reject(new NotConnectedError());
    return new Promise((resolve, reject) => {
      socket.timeout(SEND_TIMEOUT_MS).emit('chat:send', req, (err, ack) => (err ? reject(err) : resolve(ack)));
    });
  }

  private removeListener(stream: string, listener: Listener): void {
    const entry = this.streams.get(stream);
    if (!entry || !entry.listeners.delete(listener) || entry.listeners.size > 0) return;
    this.streams.delete(stream);
    if (this.connected) this.socket?.emit('unsubscribe', { stream }, () => {});
  }

  private handleConnect(): void {
    clearTimeout(this.retryTimer);
    this.connection.set({ state: 'connected', everConnected: true });
    for (const [stream, entry] of this.streams) this.sendSubscribe(stream, entry);
    for (const listener of [...this.connectListeners]) guard(listener);
  }

  private handleDown(): void {
    for (const entry of this.streams.values()) entry.ready = false;
    const socket = this.socket;
    if (!socket || socket.connected) return;
    // `active` is false when the server refused or closed us on purpose: socket.io will not
    // retry by itself then, so we do, slowly.
    if (socket.active && navigator.onLine) this.setState('reconnecting');
    else {
      this.setState('disconnected');
      this.reviveSoon(RETRY_REFUSED_MS);
    }
  }

  private handleOnline(): void {
    const socket = this.socket;
    if (socket?.connected) this.setState('connected');
    else if (socket?.active) this.setState('reconnecting');
    else this.reviveSoon(0);
  }

  private reviveSoon(delayMs: number): void {
    clearTimeout(this.retryTimer);
    this.retryTimer = setTimeout(() => {
      const socket = this.socket;
      if (!socket || socket.connected || socket.active) return;
      this.setState('reconnecting');
      socket.connect();
    }, delayMs);
  }

  private setState(state: ConnectionState): void {
    const current = this.connection.get();
    if (current.state !== state) this.connection.set({ ...current, state });
  }

  private sendSubscribe(stream: string, entry: StreamEntry): void {
    const socket = this.socket;
    if (!socket) return;
    const attempt = ++entry.attempt;
    entry.ready = false;
    const req: SubscribeRequest = entry.since ? { stream, since: entry.since } : { stream };
    socket.timeout(SUBSCRIBE_TIMEOUT_MS).emit('subscribe', req, (err, ack) => {
      if (this.streams.get(stream) !== entry || entry.attempt !== attempt) return;
      // A lost ack on a live connection is retried; on a dead one, the next connect resubscribes.
      if (err) {
        if (socket.connected) this.sendSubscribe(stream, entry);
        return;
      }
      this.handleSubscribeAck(entry, ack);
    });
  }

  private handleSubscribeAck(entry: StreamEntry, ack: SubscribeAck): void {
    if (!ack.ok) {
      for (const l of [...entry.listeners]) guard(() => l.handlers.onError?.(ack.error));
      return;
    }
    entry.ready = true;
    if (ack.recovered) {
      for (const env of ack.missed) this.deliver(entry, env);
      // After the replay, not before: `head` is the offset of the last replayed event.
      if (ack.head) entry.since = maxOffset(entry.since, ack.head);
    } else {
      // Continuity is broken (a new server, history gone): start over from the stream's head, so
      // offsets from a fresh history are not mistaken for ones already seen.
      entry.since = ack.head;
    }
    for (const l of [...entry.listeners]) {
      if (!ack.recovered || l.needsReset) this.resetListener(l);
      else guard(() => l.handlers.onRecovered?.());
    }
  }

  private resetListener(listener: Listener): void {
    listener.needsReset = false;
    guard(() => listener.handlers.onReset());
  }

  private handleEvent(env: Envelope): void {
    const entry = this.streams.get(env.stream);
    if (entry) this.deliver(entry, env);
  }

  private deliver(entry: StreamEntry, env: Envelope): void {
    if (entry.since && compareOffsets(env.offset, entry.since) <= 0) return;
    entry.since = env.offset;
    for (const l of [...entry.listeners]) guard(() => l.handlers.onEvent(env));
  }
}

function maxOffset(a: string | undefined, b: string): string {
  return a && compareOffsets(a, b) >= 0 ? a : b;
}

function guard(fn: () => void): void {
  try {
    fn();
  } catch (err) {
    // One broken listener must not stop delivery to the others.
    console.error(err);
  }
}

function defaultSocket(): LiveSocket {
  return io({ path: '/socket.io', transports: ['websocket'], withCredentials: true, autoConnect: false });
}

export const live = new LiveClient();

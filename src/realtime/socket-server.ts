// Socket.IO over WebSocket only (no sticky sessions needed). The handshake is authenticated by the
// session cookie and refused cross-site; every subscription is authorized by the stream registry.
import type { IncomingMessage, Server as HttpServer, ServerResponse } from 'node:http';
import { fastifyCookie } from '@fastify/cookie';
import type { FastifyBaseLogger } from 'fastify';
import { Server } from 'socket.io';
import { AppError, errorBody, errors } from '../errors.js';
import type { ChatService } from '../features/chat/chat.service.js';
import type { Viewer } from '../features/accounts/viewer.js';
import type { DirectMessage } from '../shared/community.js';
import { SESSION_COOKIE, type Sessions } from '../features/accounts/sessions.js';
import { isCrossSite } from '../http/origin.js';
import type { RealtimeBus } from '../ports/bus.js';
import type { AckError, Envelope } from '../shared/realtime.js';
import { coalesceWrites } from './coalesced-writes.js';
import { Hub, type HubOptions } from './hub.js';
import { isOffset } from './offsets.js';
import { SocketHiding, SocketSessions, sweepIntervalMs } from './socket-sessions.js';
import type { StreamRegistry } from './streams.js';
import type { AppServer, AppSocket } from './types.js';

export const MAX_STREAMS_PER_SOCKET = 200;

/**
 * Subscribe and unsubscribe requests per socket: a burst big enough for a page that resubscribes
 * every stream it shows after a reconnect, then one more every `everyMs`. Each subscribe can cost a
 * replay of thousands of events; a socket lives on one instance, so the budget lives on it too.
 */
export const STREAM_REQUESTS = { burst: 40, everyMs: 200 } as const;

export interface RealtimeDeps {
  bus: RealtimeBus;
  sessions: Sessions;
  streams: StreamRegistry;
  chat: ChatService;
  /** Private messages (`dm:send`). */
  dms: { send(viewer: Viewer, conversationId: unknown, input: { text: unknown; clientId: unknown }): Promise<{ message: DirectMessage }> };
  publicUrl: URL | undefined;
  log: FastifyBaseLogger;
  hub: Omit<HubOptions, 'onSlowClient' | 'onBusFailure' | 'hiddenFromAll'>;
  /** False while the instance is not ready (ops/readiness.ts): new connections go to another instance. */
  accepting?: () => boolean;
  /** Whose events a viewer must not see (features/blocks/visibility.ts). */
  visibility: {
    /** Everyone the user blocked or who blocked them. */
    blocksOf(userId: string): Promise<readonly string[]>;
    /** Hidden from everyone but themselves (suspended); asked for every event that shows someone. */
    isSuspended(userId: string): boolean;
  };
}

export interface Realtime {
  io: AppServer;
  hub: Hub;
  /** Disconnects this instance's sockets opened with the session of this store key (logout, re-login). */
  endSession(key: string): void;
  /** An event of the internal `sessions` bus stream: a session ended, or a user's rights changed. */
  sessionEvent(env: Envelope): void;
  /** These users' blocks changed: their sockets on this instance hide what they must not see now. */
  refreshHidden(userIds: readonly string[]): void;
  close(): Promise<void>;
}

export function createRealtime(http: HttpServer, deps: RealtimeDeps): Realtime {
  const { sessions, streams, log } = deps;
  const io: AppServer = new Server(http, {
    path: '/socket.io',
    transports: ['websocket'],
    serveClient: false,
    maxHttpBufferSize: 16 * 1024,
    pingInterval: 10_000,
    pingTimeout: 5_000,
    // Refused at the transport, not by a middleware: socket.io-client retries a refused transport by
    // itself (through the load balancer, to another instance), but gives up after a middleware error.
    allowRequest: (req, done) => done(null, (deps.accepting?.() ?? true) && !isCrossSite(req.headers, deps.publicUrl)),
  });
  answerPlainRequests(http);
  coalesceWrites(io);
  const hub = new Hub(io, deps.bus, {
    ...deps.hub,
    onSlowClient: (s) => log.warn({ socket: s.id, user: s.data.viewer?.id }, 'cut off a slow realtime client'),
    onBusFailure: (s, err) => log.warn({ err, socket: s.id }, 'a subscribe found the realtime bus failing; the client will reconnect and resume'),
    hiddenFromAll: (userId) => deps.visibility.isSuspended(userId),
  });
  const hiding = new SocketHiding(io, hub, (userId) => deps.visibility.blocksOf(userId));
  const socketSessions = new SocketSessions(io, sweepIntervalMs(sessions.ttlMs));
  socketSessions.start();
  io.use((socket, next) => {
    const sid = fastifyCookie.parse(socket.request.headers.cookie ?? '')[SESSION_COOKIE];
    sessions
      .session(sid)
      .then((session) => {
        socket.data.viewer = session?.viewer ?? null;
        socket.data.streams = new Map();
        socket.data.sessionKey = session?.key ?? null;
        socket.data.sessionExpiresAt = session?.expiresAt ?? null;
        return hiding.arrive(socket);
      })
      .then(() => next())
      .catch((err: unknown) => {
        log.error({ err }, 'realtime handshake failed');
        next(new Error('UNAVAILABLE'));
      });
  });

  io.on('connection', (socket: AppSocket) => {
    const serially = serializer();

    socket.on('subscribe', (req, ack) =>
      answer(socket, req, ack, async (reply) => {
        spendStreamBudget(socket);
        await serially(streamKey(req), async () => {
          const { stream, since } = (isObject(req) ? req : {}) as { stream?: unknown; since?: unknown };
          if (since !== undefined && since !== null && !isOffset(since)) throw errors.badRequest('`since` must be an offset from a previous event.');
          const { stream: resolved, kind, arg } = await streams.resolve(stream, socket.data.viewer);
          const already = socket.data.streams.has(resolved.publicName);
          if (!already && socket.data.streams.size >= MAX_STREAMS_PER_SOCKET) {
            throw errors.badRequest(`A connection can watch at most ${MAX_STREAMS_PER_SOCKET} streams.`);
          }
          const subscribed = await hub.subscribe(socket, resolved, since ?? undefined, (r) => reply({ ok: true, ...r }));
          if (!subscribed || already) return;
          await kind.onJoined?.(socket, arg);
          // A disconnect that landed while joining already ran its leave hook: undo the join.
          if (!socket.connected) await left(socket, resolved.publicName);
        });
      }),
    );

    socket.on('unsubscribe', (req, ack) =>
      answer(socket, req, ack, async (reply) => {
        spendStreamBudget(socket);
        await serially(streamKey(req), async () => {
          const name = isObject(req) ? (req as { stream?: unknown }).stream : undefined;
          if (typeof name !== 'string') throw errors.badRequest('`stream` must be a stream name.');
          if (hub.unsubscribe(socket, name)) await left(socket, name);
          reply({ ok: true });
        });
      }),
    );

    socket.on('chat:send', (req, ack) =>
      answer(socket, req, ack, async (reply) => {
        if (!socket.data.viewer) throw errors.unauthenticated();
        reply({ ok: true, message: await deps.chat.send(socket.data.viewer, req) });
      }),
    );

    socket.on('dm:send', (req, ack) =>
      answer(socket, req, ack, async (reply) => {
        if (!socket.data.viewer) throw errors.unauthenticated();
        const { conversationId, text, clientId } = (isObject(req) ? req : {}) as Record<string, unknown>;
        reply({ ok: true, message: (await deps.dms.send(socket.data.viewer, conversationId, { text, clientId })).message });
      }),
    );

    socket.on('disconnect', () => {
      for (const name of hub.removeSocket(socket)) void left(socket, name);
    });
  });

  async function left(socket: AppSocket, publicName: string): Promise<void> {
    const found = streams.lookup(publicName);
    try {
      await found?.kind.onLeft?.(socket, found.arg);
    } catch (err) {
      log.error({ err, stream: publicName }, 'realtime leave hook failed');
    }
  }

  /**
   * Runs a client request and answers it exactly once. A client that sends no acknowledgement callback
   * gets nothing back; a failure becomes `{ok: false, error}`, never a crash.
   */
  function answer<R>(socket: AppSocket, req: unknown, ack: unknown, run: (reply: (res: R) => void) => Promise<void>): void {
    // `emit('subscribe', cb)` puts the callback first: answer it rather than leave the client waiting.
    if (typeof req === 'function' && ack === undefined) {
      (req as (res: AckError) => void)({ ok: false, error: { code: 'BAD_REQUEST', message: 'The request needs a payload object.' } });
      hub.enforceBacklog(socket);
      return;
    }
    if (typeof ack !== 'function') return;
    let replied = false;
    const reply = (res: R | AckError) => {
      if (replied) return;
      replied = true;
      (ack as (res: R | AckError) => void)(res);
      // A client can ask and never read: what we answer counts toward its send queue's cap too.
      hub.enforceBacklog(socket);
    };
    run(reply).catch((err: unknown) => {
      if (!(err instanceof AppError)) log.error({ err, socket: socket.id }, 'realtime request failed');
      const e = err instanceof AppError ? err : errors.internal();
      reply({ ok: false, error: { code: e.code === 'VALIDATION' ? 'BAD_REQUEST' : e.code, message: e.message } });
    });
  }

  return {
    io,
    hub,
    endSession: (key) => socketSessions.endSession(key),
    sessionEvent: (env) => socketSessions.handle(env),
    refreshHidden: (userIds) => hiding.refresh(userIds),
    async close() {
      socketSessions.stop();
      await io.close();
    },
  };
}

/**
 * Only the WebSocket upgrade is ever valid under /socket.io/; a plain request there would get
 * engine.io's own error shape. It gets the contract's envelope instead, and anything else goes on
 * to the listeners that were there (engine.io's, which hands the rest to Fastify).
 */
function answerPlainRequests(http: HttpServer): void {
  const listeners = http.listeners('request') as ((req: IncomingMessage, res: ServerResponse) => void)[];
  http.removeAllListeners('request');
  const body = JSON.stringify(errorBody(errors.badRequest('Connect to /socket.io/ with the WebSocket transport.')));
  http.on('request', (req: IncomingMessage, res: ServerResponse) => {
    if (req.url === '/socket.io' || req.url?.startsWith('/socket.io/') || req.url?.startsWith('/socket.io?')) {
      res.writeHead(400, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(body), 'x-content-type-options': 'nosniff' });
      res.end(body);
      return;
    }
    for (const listener of listeners) listener.call(http, req, res);
  });
}

/**
 * Runs tasks with the same key one after another. Subscribe and unsubscribe requests for one stream
 * on one socket must not overlap: each must see the state the previous one left.
 */
function serializer() {
  // Only while a request runs: an idle socket holds no Map (~190 bytes even empty).
  let chains: Map<string, Promise<void>> | undefined;
  return (key: string, task: () => Promise<void>): Promise<void> => {
    const map = (chains ??= new Map());
    const next = (map.get(key) ?? Promise.resolve()).then(task, task);
    const tail = next.catch(() => {});
    map.set(key, tail);
    void tail.then(() => {
      const current = chains;
      if (!current || current.get(key) !== tail) return;
      current.delete(key);
      if (current.size === 0) chains = undefined;
    });
    return next;
  };
}

/**
 * Takes one subscribe/unsubscribe request from the socket's budget, or refuses it. GCRA: the one
 * number kept is when the budget will be whole again; each request pushes it `everyMs` later, and
 * a request that would push it more than a whole burst ahead is refused (and spends nothing).
 */
function spendStreamBudget(socket: AppSocket, now = Date.now()): void {
  const { burst, everyMs } = STREAM_REQUESTS;
  const next = Math.max(socket.data.streamBudgetAt ?? now, now) + everyMs;
  const over = next - now - burst * everyMs;
  if (over > 0) {
    throw errors.rateLimitedWith(over, `Too many subscribe requests on this connection. Try again in ${Math.ceil(over / 1000)} s.`);
  }
  socket.data.streamBudgetAt = next;
}

function streamKey(req: unknown): string {
  const stream = isObject(req) ? req.stream : undefined;
  return typeof stream === 'string' ? stream : '';
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

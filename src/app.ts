// The composition root: picks adapters from the config and wires every feature to them.
// Nothing else constructs services, so this file is the map of the system.
import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import fastifyCookie from '@fastify/cookie';
import fastifySwagger from '@fastify/swagger';
import fastifySwaggerUi from '@fastify/swagger-ui';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import Fastify, { type FastifyServerOptions } from 'fastify';
import { openAdapters, type Adapters } from './adapters/index.js';
import type { Config } from './config.js';
import { accountsRoutes } from './features/accounts/accounts.routes.js';
import { AccountsService } from './features/accounts/accounts.service.js';
import { Sessions } from './features/accounts/sessions.js';
import { chatRoutes } from './features/chat/chat.routes.js';
import { ChatService } from './features/chat/chat.service.js';
import { registerChatStreams } from './features/chat/chat.streams.js';
import { handleError } from './http/error-handler.js';
import { registerGuards } from './http/guards.js';
import { healthRoutes } from './http/health.js';
import type { AppInstance } from './http/types.js';
import { webRoutes } from './http/web.js';
import { registerCoreStreams } from './realtime/core-streams.js';
import { createRealtime, type Realtime } from './realtime/socket-server.js';
import { StreamRegistry } from './realtime/streams.js';

const SESSION_TTL_MS = 30 * 24 * 3_600_000;
const JSON_BODY_LIMIT = 1024 * 1024;

export interface Strobe {
  config: Config;
  instanceId: string;
  app: AppInstance;
  adapters: Adapters;
  realtime: Realtime;
  /** Stops accepting work, tells clients to reconnect elsewhere, and closes everything. */
  close(): Promise<void>;
}

export async function buildStrobe(config: Config, logger: FastifyServerOptions['logger'] = true): Promise<Strobe> {
  const instanceId = `${hostname()}-${process.pid}-${randomBytes(3).toString('hex')}`;
  const adapters = await openAdapters(config);
  let draining = false;

  const app: AppInstance = Fastify({
    logger,
    bodyLimit: JSON_BODY_LIMIT,
    trustProxy: config.trustProxy,
    requestIdHeader: 'x-request-id',
    ajv: { customOptions: { coerceTypes: false, verbose: true, allErrors: false } },
  }).withTypeProvider<TypeBoxTypeProvider>();
  // The API speaks JSON only: any other body is refused with 415 instead of failing validation.
  app.removeContentTypeParser('text/plain');

  const sessions = new Sessions({
    store: adapters.sessions,
    db: adapters.db,
    secret: adapters.sessionSecret,
    ttlMs: SESSION_TTL_MS,
    adminUsers: config.adminUsers,
  });
  const accounts = new AccountsService({ db: adapters.db, sessions, limiter: adapters.limiter, adminUsers: config.adminUsers });
  const chat = new ChatService({ db: adapters.db, bus: adapters.bus, presence: adapters.presence, limiter: adapters.limiter });

  const streams = new StreamRegistry();
  registerCoreStreams(streams);
  registerChatStreams(streams, chat);
  const realtime = createRealtime(app.server, {
    bus: adapters.bus,
    sessions,
    streams,
    chat,
    publicUrl: config.publicUrl,
    log: app.log,
    hub: { maxQueuedPackets: 2_000, maxBufferedBytes: 8 * 1024 * 1024 },
  });

  await app.register(fastifyCookie);
  await app.register(fastifySwagger, {
    openapi: { info: { title: 'Strobe', version: '0.1.0', description: 'Real-time photo sharing and chat.' } },
  });
  await app.register(fastifySwaggerUi, { routePrefix: '/docs' });
  app.setErrorHandler(handleError);
  registerGuards(app, { sessions, publicUrl: config.publicUrl });
  healthRoutes(app, { db: adapters.db, isDraining: () => draining });
  accountsRoutes(app, {
    accounts,
    sessionTtlMs: SESSION_TTL_MS,
    secureCookies: config.publicUrl ? config.publicUrl.protocol === 'https:' : 'auto',
    onSessionEnded: (sid) => realtime.endSession(sid),
  });
  chatRoutes(app, chat);
  await webRoutes(app, config.webDir);
  await app.ready();

  await adapters.bus.publish('system', 'instance.started', { instance: instanceId });

  return {
    config,
    instanceId,
    app,
    adapters,
    realtime,
    async close() {
      if (draining) return;
      draining = true;
      await adapters.bus.publish('system', 'instance.stopping', { instance: instanceId }).catch(() => {});
      // Dropping the transports (not a server-side disconnect) makes socket.io-client reconnect by itself.
      for (const socket of realtime.io.sockets.sockets.values()) socket.conn.close();
      await realtime.close();
      await app.close();
      await adapters.close();
    },
  };
}

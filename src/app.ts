// The composition root: picks adapters from the config and wires every feature to them.
// Nothing else constructs services, so this file is the map of the system.
import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import fastifyCookie from '@fastify/cookie';
import fastifyMultipart from '@fastify/multipart';
import fastifySwagger from '@fastify/swagger';
import fastifySwaggerUi from '@fastify/swagger-ui';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import Fastify, { type FastifyServerOptions } from 'fastify';
import { openAdapters, type Adapters } from './adapters/index.js';
import type { Config, TrustProxy } from './config.js';
import { registerAccountJobs } from './features/accounts/accounts.jobs.js';
import { accountsRoutes } from './features/accounts/accounts.routes.js';
import { AccountSettings } from './features/accounts/accounts.settings.js';
import { accountSettingsRoutes } from './features/accounts/accounts.settings.routes.js';
import { adminRoutes } from './features/admin/admin.routes.js';
import { blocksRoutes } from './features/blocks/blocks.routes.js';
import { BlocksService } from './features/blocks/blocks.service.js';
import { Visibility } from './features/blocks/visibility.js';
import { AdminService } from './features/admin/admin.service.js';
import { InstanceDirectory } from './features/admin/instances.js';
import { invitesRoutes } from './features/invites/invites.routes.js';
import { InvitesService } from './features/invites/invites.service.js';
import { staffRoutes } from './features/staff/staff.routes.js';
import { moderationRoutes } from './features/moderation/moderation.routes.js';
import { ModerationService } from './features/moderation/moderation.service.js';
import { registerModerationStreams } from './features/moderation/moderation.streams.js';
import { reportsRoutes } from './features/moderation/reports.routes.js';
import { ReportsService } from './features/moderation/reports.service.js';
import { StaffService } from './features/staff/staff.service.js';
import { AccountsService } from './features/accounts/accounts.service.js';
import { Sessions } from './features/accounts/sessions.js';
import { chatRoutes } from './features/chat/chat.routes.js';
import { citiesRoutes } from './features/cities/cities.routes.js';
import { CitiesService } from './features/cities/cities.service.js';
import { commentsRoutes } from './features/comments/comments.routes.js';
import { registerCommentJobs } from './features/comments/comments.jobs.js';
import { CommentsService } from './features/comments/comments.service.js';
import { NotificationsService } from './features/notifications/notifications.service.js';
import { notificationsRoutes } from './features/notifications/notifications.routes.js';
import { registerPhotoJobs } from './features/photos/photos.pipeline.js';
import { photosRoutes } from './features/photos/photos.routes.js';
import { PhotosService } from './features/photos/photos.service.js';
import { registerPhotoStreams } from './features/photos/photos.streams.js';
import { ingestRoutes } from './features/ingest/ingest.routes.js';
import { IngestService } from './features/ingest/ingest.service.js';
import { webhooksRoutes } from './features/webhooks/webhooks.routes.js';
import { WebhooksService } from './features/webhooks/webhooks.service.js';
import { registerProfileJobs } from './features/profiles/profiles.jobs.js';
import { avatarUploadRoute, profilesRoutes } from './features/profiles/profiles.routes.js';
import { ProfilesService } from './features/profiles/profiles.service.js';
import { searchRoutes } from './features/search/search.routes.js';
import { SearchService } from './features/search/search.service.js';
import { tagsRoutes } from './features/tags/tags.routes.js';
import { registerTagStreams } from './features/tags/tags.streams.js';
import { socialRoutes } from './features/social/social.routes.js';
import { SocialService } from './features/social/social.service.js';
import { ChatService } from './features/chat/chat.service.js';
import { registerChatStreams } from './features/chat/chat.streams.js';
import { dmsRoutes } from './features/dms/dms.routes.js';
import { DmsService } from './features/dms/dms.service.js';
import { registerDmStreams } from './features/dms/dms.streams.js';
import { handleError } from './http/error-handler.js';
import { clientErrorHandler, frameworkErrors } from './http/framework-errors.js';
import { registerGuards } from './http/guards.js';
import { CAN_SERVE_WITHOUT, healthRoutes } from './http/health.js';
import { mediaRoutes } from './http/media.js';
import { metricsRoutes } from './http/metrics.js';
import { docsContentSecurityPolicy, registerSecurityHeaders } from './http/security-headers.js';
import { requestId } from './http/request-id.js';
import type { AppInstance } from './http/types.js';
import { webRoutes } from './http/web.js';
import { Heartbeat } from './ops/heartbeat.js';
import { Metrics } from './ops/metrics.js';
import { Readiness } from './ops/readiness.js';
import { JOB_NAMES } from './ports/jobs.js';
import { registerCoreStreams } from './realtime/core-streams.js';
import { createRealtime, type Realtime } from './realtime/socket-server.js';
import { SESSIONS_STREAM } from './realtime/socket-sessions.js';
import { StreamRegistry } from './realtime/streams.js';
import type { EventData } from './shared/realtime.js';

const JSON_BODY_LIMIT = 1024 * 1024;
/** Of the 10 s a draining instance has, running jobs may use this much before they are handed back. */
const JOB_GRACE_MS = 6_000;

export interface Strobe {
  config: Config;
  instanceId: string;
  app: AppInstance;
  adapters: Adapters;
  realtime: Realtime;
  /** Served at /metrics, or on METRICS_PORT by the server (see server.ts). */
  metrics: Metrics;
  /** Stops accepting work, tells clients to reconnect elsewhere, and closes everything. */
  close(): Promise<void>;
  /** Where close() is, for the log line of a drain that overruns its deadline. */
  readonly drainStage: string;
}

export interface Roles {
  /** HTTP and realtime. */
  web: boolean;
  /** Background jobs. */
  worker: boolean;
  /** The job names a worker consumes (`strobe worker --queues`); all when absent. */
  queues?: readonly string[];
}

export async function buildStrobe(
  config: Config,
  logger: FastifyServerOptions['logger'] = true,
  roles: Roles = { web: true, worker: true },
): Promise<Strobe> {
  const instanceId = `${hostname()}-${process.pid}-${randomBytes(3).toString('hex')}`;
  let draining = false;
  let drainStage = 'not draining';

  const app: AppInstance = Fastify({
    logger,
    bodyLimit: JSON_BODY_LIMIT,
    // A path parameter over Fastify's default 100 characters would be a 404 (no route); up to this it
    // reaches its route, whose schema answers 400 VALIDATION (a 500-character tag, for one).
    routerOptions: { maxParamLength: 1000 },
    trustProxy: fastifyTrustProxy(config.trustProxy),
    requestIdHeader: false,
    genReqId: requestId,
    // What fails before a route runs is answered in the error envelope too.
    clientErrorHandler,
    frameworkErrors,
    // Node would answer a request without Host with an empty 400; Fastify answers it in the envelope.
    http: { requireHostHeader: false },
    ajv: { customOptions: { coerceTypes: false, verbose: true, allErrors: false } },
  }).withTypeProvider<TypeBoxTypeProvider>();
  // The API speaks JSON only: any other body is refused with 415 instead of failing validation.
  app.removeContentTypeParser('text/plain');
  const adapters = await openAdapters(config, { log: app.log, queues: roles.queues });

  const sessions = new Sessions({
    store: adapters.sessions,
    db: adapters.db,
    secret: adapters.sessionSecret,
    ttlMs: config.sessionTtlMs,
    adminUsers: config.adminUsers,
  });
  const accounts = new AccountsService({ db: adapters.db, sessions, limiter: adapters.limiter, adminUsers: config.adminUsers, registration: config.registration });
  // Whose content each viewer must not see (blocks, suspensions), kept per process for every read and socket.
  const visibility = new Visibility({ db: adapters.db });
  await visibility.start();
  const chat = new ChatService({ db: adapters.db, bus: adapters.bus, presence: adapters.presence, limiter: adapters.limiter, hidden: visibility });
  const dms = new DmsService({ db: adapters.db, bus: adapters.bus, limiter: adapters.limiter, hidden: visibility });
  const cities = new CitiesService(adapters.db);
  const social = new SocialService({ db: adapters.db, bus: adapters.bus, limiter: adapters.limiter });
  const notifications = new NotificationsService({ db: adapters.db, bus: adapters.bus, hidden: visibility });
  const profiles = new ProfilesService({ db: adapters.db, bus: adapters.bus, limiter: adapters.limiter, uploads: adapters.uploads });
  const photos = new PhotosService({ db: adapters.db, bus: adapters.bus, limiter: adapters.limiter, uploads: adapters.uploads, media: adapters.media, cities, social, hidden: visibility });

  const connections = () => realtime.io.of('/').sockets.size;
  const metrics = new Metrics({ connections, queues: () => adapters.jobs.inspect(JOB_NAMES), homePages: () => photos.homePageStats });
  const heartbeat = new Heartbeat({
    bus: adapters.bus,
    instance: instanceId,
    roles: [...(roles.web ? ['web' as const] : []), ...(roles.worker ? ['worker' as const] : [])],
    mode: config.mode,
    connections,
    log: app.log,
  });
  adapters.jobs.observe(metrics.jobs);
  adapters.jobs.observe(heartbeat);
  const instances = new InstanceDirectory();
  // A web instance cut off from Redis or PostgreSQL gives up its clients so they resume on another
  // instance, refuses new ones, and takes them again once the checks pass (ops/readiness.ts).
  const readiness = roles.web
    ? new Readiness({
        health: () => adapters.health(),
        optional: CAN_SERVE_WITHOUT,
        log: app.log,
        onChange: (ready) => {
          // Dropped transports, as when draining: socket.io-client reconnects through the load balancer.
          if (!ready) for (const socket of realtime.io.sockets.sockets.values()) socket.conn.close();
        },
      })
    : undefined;

  const streams = new StreamRegistry();
  registerCoreStreams(streams);
  registerChatStreams(streams, chat);
  registerDmStreams(streams, dms);
  registerPhotoStreams(streams, { photos, cities, social });
  registerTagStreams(streams);
  registerModerationStreams(streams);
  const realtime = createRealtime(app.server, {
    bus: adapters.bus,
    sessions,
    streams,
    chat,
    dms,
    publicUrl: config.publicUrl,
    log: app.log,
    visibility,
    accepting: () => readiness?.ready ?? true,
    hub: {
      maxQueuedPackets: 2_000,
      maxBufferedBytes: 8 * 1024 * 1024,
      onDelivered: (env, sockets, live) => metrics.delivered(env, sockets, live),
    },
  });
  // The admin page's directory of instances listens to `system` beside the admins' sockets.
  if (roles.web) await realtime.hub.tap('system', (env) => instances.seen(env));
  // A session's sockets can be on any instance: a logout or a role change reaches them through the bus.
  if (roles.web) await realtime.hub.tap(SESSIONS_STREAM, (env) => realtime.sessionEvent(env));
  // A block or a suspension anywhere: this process forgets what it knew, then its sockets hide what they must.
  if (roles.web) await realtime.hub.tap(SESSIONS_STREAM, (env) => realtime.refreshHidden(visibility.handle(env)));
  // Feeds keep owners' profiles per process: a profile change anywhere makes this one read it again.
  if (roles.web) await realtime.hub.tap(SESSIONS_STREAM, (env) => env.type === 'user.profile' && photos.forgetUser((env.data as { user: { id: string } }).user.id));
  const endSession = (sid: string) => {
    const key = sessions.key(sid);
    realtime.endSession(key); // this instance's at once, even if the bus is down
    adapters.bus.publish(SESSIONS_STREAM, 'session.ended', { key }).catch((err: unknown) => app.log.warn({ err }, 'could not tell other instances that a session ended'));
  };
  // A password change, "sign out everywhere" or an account deletion ends all of a user's sessions: one event.
  const endUserSessions = (userId: string, except: string | null) => {
    const data = { userId, except };
    realtime.sessionEvent({ stream: SESSIONS_STREAM, offset: '', type: 'user.sessions-ended', data, ts: Date.now() });
    adapters.bus.publish(SESSIONS_STREAM, 'user.sessions-ended', data).catch((err: unknown) => app.log.warn({ err }, "could not tell other instances that a user's sessions ended"));
  };
  // A block began or ended: this instance follows at once, every other one on `user.blocks` (their
  // caches expire anyway within visibility's TTL if the bus is down).
  const blocksChanged = async (data: EventData['user.blocks']) => {
    realtime.refreshHidden(visibility.handle({ stream: SESSIONS_STREAM, offset: '', type: 'user.blocks', data, ts: Date.now() }));
    await adapters.bus.publish(SESSIONS_STREAM, 'user.blocks', data).catch((err: unknown) => app.log.warn({ err }, 'could not tell other instances that a block changed'));
  };
  // A suspension began or was lifted: as for a block, this instance at once, every other one on `user.suspended`.
  const suspensionChanged = async (data: EventData['user.suspended']) => {
    realtime.refreshHidden(visibility.handle({ stream: SESSIONS_STREAM, offset: '', type: 'user.suspended', data, ts: Date.now() }));
    await adapters.bus.publish(SESSIONS_STREAM, 'user.suspended', data).catch((err: unknown) => app.log.warn({ err }, 'could not tell other instances that a suspension changed'));
  };
  const webhooks = new WebhooksService({
    db: adapters.db,
    limiter: adapters.limiter,
    sessionSecret: adapters.sessionSecret,
    allowPrivate: config.webhookAllowPrivate,
    log: app.log,
  });
  const settings = new AccountSettings({ db: adapters.db, sessions, limiter: adapters.limiter, uploads: adapters.uploads, onSessionsEnded: endUserSessions });

  registerSecurityHeaders(app, config.publicUrl);
  await app.register(fastifyCookie);
  await app.register(fastifySwagger, {
    openapi: { info: { title: 'Strobe', version: '0.1.0', description: 'Real-time photo sharing and chat.' } },
  });
  await app.register(fastifySwaggerUi, { routePrefix: '/docs', staticCSP: docsContentSecurityPolicy(config.publicUrl) });
  app.setErrorHandler(handleError);
  registerGuards(app, { sessions, publicUrl: config.publicUrl });
  metricsRoutes(app, metrics, { route: config.metricsPort === undefined });
  healthRoutes(app, { health: () => adapters.health(), isDraining: () => draining, readiness });
  accountsRoutes(app, {
    accounts,
    sessionTtlMs: config.sessionTtlMs,
    secureCookies: config.publicUrl ? config.publicUrl.protocol === 'https:' : 'auto',
    onSessionEnded: endSession,
  });
  accountSettingsRoutes(app, {
    settings,
    sessionTtlMs: config.sessionTtlMs,
    secureCookies: config.publicUrl ? config.publicUrl.protocol === 'https:' : 'auto',
  });
  chatRoutes(app, chat);
  dmsRoutes(app, dms);
  // Multipart is parsed for the photo routes only: anywhere else a form is refused with 415, not
  // parsed into a body that fails validation.
  await app.register(async (scope) => {
    await scope.register(fastifyMultipart);
    photosRoutes(scope, { photos, cities, tmpDir: adapters.tmpDir });
    avatarUploadRoute(scope, { profiles, tmpDir: adapters.tmpDir });
  });
  profilesRoutes(app, profiles);
  webhooksRoutes(app, webhooks);
  // Signed ingest parses its own body, once the signature checks out: a scope of its own.
  await app.register(async (scope) => {
    ingestRoutes(scope, new IngestService({ db: adapters.db, limiter: adapters.limiter, photos, sessionSecret: adapters.sessionSecret, tmpDir: adapters.tmpDir }));
  });
  socialRoutes(app, { social, photos });
  citiesRoutes(app, cities);
  tagsRoutes(app, { db: adapters.db, photos });
  searchRoutes(app, new SearchService({ db: adapters.db, cities, hidden: visibility }));
  notificationsRoutes(app, notifications);
  const comments = new CommentsService({ db: adapters.db, bus: adapters.bus, limiter: adapters.limiter, hidden: visibility });
  commentsRoutes(app, comments);
  blocksRoutes(app, new BlocksService({ db: adapters.db, bus: adapters.bus, limiter: adapters.limiter, social, onChanged: blocksChanged }));
  adminRoutes(app, new AdminService({ jobs: adapters.jobs, instances }));
  invitesRoutes(app, { invites: new InvitesService({ db: adapters.db, limiter: adapters.limiter }), publicUrl: config.publicUrl });
  staffRoutes(app, new StaffService({ db: adapters.db, bus: adapters.bus, limiter: adapters.limiter, adminUsers: config.adminUsers, log: app.log }));
  reportsRoutes(app, new ReportsService({ db: adapters.db, bus: adapters.bus, limiter: adapters.limiter, log: app.log }));
  moderationRoutes(
    app,
    new ModerationService({
      db: adapters.db,
      bus: adapters.bus,
      limiter: adapters.limiter,
      removePhoto: (id) => photos.remove(id),
      removeComment: (id) => comments.remove(id),
      sessions,
      onSessionsEnded: endUserSessions,
      onSuspensionChanged: suspensionChanged,
      adminUsers: config.adminUsers,
      log: app.log,
    }),
  );
  mediaRoutes(app, adapters.media);
  if (roles.web) await webRoutes(app, config.webDir);
  await app.ready();

  let accountJobs: { stop(): void } | undefined;
  if (roles.worker) {
    registerPhotoJobs(adapters.jobs, {
      db: adapters.db,
      bus: adapters.bus,
      media: adapters.media,
      uploads: adapters.uploads,
      cities,
      notifications,
      social,
      scratchDir: adapters.tmpDir,
      log: app.log,
    });
    registerCommentJobs(adapters.jobs, { db: adapters.db });
    webhooks.register(adapters.jobs);
    registerProfileJobs(adapters.jobs, { db: adapters.db, bus: adapters.bus, media: adapters.media, uploads: adapters.uploads, log: app.log });
    accountJobs = registerAccountJobs(adapters.jobs, {
      db: adapters.db,
      bus: adapters.bus,
      sessions,
      photos,
      social,
      media: adapters.media,
      uploads: adapters.uploads,
      scratchDir: adapters.tmpDir,
      log: app.log,
    });
    await adapters.jobs.start();
  }
  await adapters.bus.publish('system', 'instance.started', { instance: instanceId });
  heartbeat.start();
  readiness?.start();

  return {
    config,
    instanceId,
    app,
    adapters,
    realtime,
    metrics,
    get drainStage() {
      return drainStage;
    },
    async close() {
      if (draining) return;
      draining = true; // /readyz answers 503 from now on
      drainStage = 'announcing the stop';
      readiness?.stop(); // draining decides from here: no watchdog change may race it
      // Stop accepting first: a client told to reconnect must land on another instance, and with
      // this listener closed the load balancer's connection fails over at once.
      if (app.server.listening) app.server.close();
      heartbeat.stop(); // no beat may follow the announcement
      accountJobs?.stop();
      await adapters.bus.publish('system', 'instance.stopping', { instance: instanceId }).catch(() => {});
      // Dropping the transports (not a server-side disconnect) makes socket.io-client reconnect by itself.
      for (const socket of realtime.io.sockets.sockets.values()) socket.conn.close();
      // In-flight requests finish while running jobs get their grace; what misses it goes back to
      // its queue for another worker.
      drainStage = 'finishing in-flight requests and jobs';
      await Promise.all([realtime.close().then(() => app.close()), adapters.jobs.stop(JOB_GRACE_MS)]);
      drainStage = 'closing connections';
      await adapters.close();
      drainStage = 'done';
    },
  };
}

/** A hop count as proxy-addr takes it: the first `hops` addresses from the socket are proxies. */
function fastifyTrustProxy(trust: TrustProxy): boolean | string[] | ((address: string, hop: number) => boolean) {
  if (trust === false) return false;
  if (typeof trust === 'number') return (_address, hop) => hop < trust;
  return [...trust];
}

import type { FastifyReply, FastifyRequest } from 'fastify';
import { errors } from '../../errors.js';
import type { AppInstance } from '../../http/types.js';
import type { AccountsService, SignedIn } from './accounts.service.js';
import { Credentials, LoginBody, UserReply } from './accounts.schemas.js';
import { SESSION_COOKIE } from './sessions.js';

export interface AccountsRoutesDeps {
  accounts: AccountsService;
  sessionTtlMs: number;
  secureCookies: boolean | 'auto';
  /** Closes the realtime connections that were opened with a session that just ended. */
  onSessionEnded(sid: string): void;
}

export function accountsRoutes(app: AppInstance, deps: AccountsRoutesDeps): void {
  const { accounts } = deps;
  const setCookie = (reply: FastifyReply, sid: string) =>
    reply.setCookie(SESSION_COOKIE, sid, {
      path: '/',
      httpOnly: true,
      sameSite: 'lax',
      secure: deps.secureCookies,
      maxAge: Math.floor(deps.sessionTtlMs / 1000),
    });
  const currentSid = (req: FastifyRequest) => req.cookies[SESSION_COOKIE];
  /** Signs in with a fresh session id; the session the browser came with ends, sockets included. */
  const signIn = async (req: FastifyRequest, reply: FastifyReply, open: (old: string | undefined) => Promise<SignedIn>) => {
    const old = currentSid(req);
    const { viewer, sid } = await open(old);
    if (old) deps.onSessionEnded(old);
    setCookie(reply, sid);
    return viewer;
  };

  app.post(
    '/api/auth/register',
    { schema: { tags: ['accounts'], body: Credentials, response: { 201: UserReply } } },
    async (req, reply) => {
      const viewer = await signIn(req, reply, (old) => accounts.register(req.body.username, req.body.password, req.ip, old));
      return reply.code(201).send({ user: viewer });
    },
  );

  app.post(
    '/api/auth/login',
    { schema: { tags: ['accounts'], body: LoginBody, response: { 200: UserReply } } },
    async (req, reply) => ({
      user: await signIn(req, reply, (old) => accounts.login(req.body.username, req.body.password, req.ip, old)),
    }),
  );

  app.post('/api/auth/logout', { schema: { tags: ['accounts'] } }, async (req, reply) => {
    const sid = currentSid(req);
    await accounts.logout(sid);
    if (sid) deps.onSessionEnded(sid);
    reply.clearCookie(SESSION_COOKIE, { path: '/' });
    return reply.code(204).send();
  });

  app.get('/api/me', { schema: { tags: ['accounts'], response: { 200: UserReply } } }, async (req) => {
    if (!req.viewer) throw errors.unauthenticated();
    return { user: req.viewer };
  });
}

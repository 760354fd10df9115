import type { FastifyReply, FastifyRequest } from 'fastify';
import { errors } from '../../errors.js';
import type { AppInstance } from '../../http/types.js';
import type { AccountsService, Client, SignedIn } from './accounts.service.js';
import { InstanceReply, LoginBody, RegisterBody, UserReply } from './accounts.schemas.js';
import { DEVICE_COOKIE, DEVICE_COOKIE_MAX_AGE_S } from './device-cookie.js';
import { SESSION_COOKIE } from './sessions.js';

export interface AccountsRoutesDeps {
  accounts: AccountsService;
  sessionTtlMs: number;
  secureCookies: boolean | 'auto';
  /** Closes the realtime connections that were opened with a session that just ended. */
  onSessionEnded(sid: string): void;
}

/** The session cookie, as every route that opens a session sets it. */
export function setSessionCookie(reply: FastifyReply, sid: string, opts: { secureCookies: boolean | 'auto'; sessionTtlMs: number }): void {
  reply.setCookie(SESSION_COOKIE, sid, {
    path: '/',
    httpOnly: true,
    sameSite: 'lax',
    secure: opts.secureCookies,
    maxAge: Math.floor(opts.sessionTtlMs / 1000),
  });
}

/** Only sign-in reads the device cookie, so no other request carries it. */
const DEVICE_COOKIE_PATH = '/api/auth';

export function accountsRoutes(app: AppInstance, deps: AccountsRoutesDeps): void {
  const { accounts } = deps;
  const setCookies = (reply: FastifyReply, { sid, device }: SignedIn) => {
    // The session cookie first: clients that keep only the first Set-Cookie keep the session.
    setSessionCookie(reply, sid, deps);
    reply.setCookie(DEVICE_COOKIE, device, {
      path: DEVICE_COOKIE_PATH,
      httpOnly: true,
      sameSite: 'lax',
      secure: deps.secureCookies,
      maxAge: DEVICE_COOKIE_MAX_AGE_S,
    });
  };
  const currentSid = (req: FastifyRequest) => req.cookies[SESSION_COOKIE];
  const client = (req: FastifyRequest): Client => ({
    ip: req.ip,
    headers: req.headers,
    device: req.cookies[DEVICE_COOKIE],
    previousSid: currentSid(req),
  });
  /** Signs in with a fresh session id; the session the browser came with ends, sockets included. */
  const signIn = async (req: FastifyRequest, reply: FastifyReply, open: (client: Client) => Promise<SignedIn>) => {
    const from = client(req);
    const signedIn = await open(from);
    if (from.previousSid && signedIn.endedPrevious) deps.onSessionEnded(from.previousSid);
    setCookies(reply, signedIn);
    return signedIn.viewer;
  };

  app.post(
    '/api/auth/register',
    {
      schema: {
        tags: ['accounts'],
        summary: 'Create an account and sign in.',
        description:
          'By REGISTRATION (see GET /api/instance): when invite-only, `invite` is required (403 INVITE_REQUIRED without it, ' +
          '403 INVITE_INVALID when it is used up, expired, revoked or unknown); when closed, 403 REGISTRATION_CLOSED.',
        body: RegisterBody,
        response: { 201: UserReply },
      },
    },
    async (req, reply) => {
      const { username, password, invite } = req.body;
      const viewer = await signIn(req, reply, (from) => accounts.register(username, password, from, invite));
      return reply.code(201).send({ user: viewer });
    },
  );

  app.post(
    '/api/auth/login',
    {
      schema: {
        tags: ['accounts'],
        summary: 'Sign in.',
        description: '403 SUSPENDED for a suspended account (after a correct password), with the end of the suspension in the message.',
        body: LoginBody,
        response: { 200: UserReply },
      },
    },
    async (req, reply) => ({
      user: await signIn(req, reply, (from) => accounts.login(req.body.username, req.body.password, from)),
    }),
  );

  app.post('/api/auth/logout', { schema: { tags: ['accounts'] } }, async (req, reply) => {
    const sid = currentSid(req);
    if (sid && (await accounts.logout(sid))) deps.onSessionEnded(sid);
    // The device cookie stays: this browser has still signed in to the account before.
    reply.clearCookie(SESSION_COOKIE, { path: '/' });
    return reply.code(204).send();
  });

  app.get('/api/me', { schema: { tags: ['accounts'], response: { 200: UserReply } } }, async (req) => {
    if (!req.viewer) throw errors.unauthenticated();
    return { user: req.viewer };
  });

  app.get(
    '/api/instance',
    { schema: { tags: ['instance'], summary: 'What anyone may know about this instance before signing in.', response: { 200: InstanceReply } } },
    async () => accounts.instance(),
  );
}

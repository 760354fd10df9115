// Account settings over HTTP: password change, sign out everywhere, account deletion, data export.
import { Type } from '@fastify/type-provider-typebox';
import { errors } from '../../errors.js';
import type { AppInstance } from '../../http/types.js';
import { LIMITS } from '../../shared/api.js';
import type { AccountSettings } from './accounts.settings.js';
import { UserReply } from './accounts.schemas.js';
import { setSessionCookie } from './accounts.routes.js';
import { SESSION_COOKIE } from './sessions.js';
import type { Viewer } from './viewer.js';

const CurrentPassword = Type.String({ minLength: 1, maxLength: LIMITS.passwordMax, description: 'Your current password.' });

const PasswordChangeBody = Type.Object(
  {
    current: CurrentPassword,
    password: Type.String({
      minLength: LIMITS.passwordMin,
      maxLength: LIMITS.passwordMax,
      description: `The new password: ${LIMITS.passwordMin} to ${LIMITS.passwordMax} characters long.`,
    }),
  },
  { additionalProperties: false },
);

const DeleteAccountBody = Type.Object({ password: CurrentPassword }, { additionalProperties: false });

const DeleteAccountReply = Type.Object({
  status: Type.Literal('deleting', {
    description:
      'The account is deleted: nobody can sign in to it and its photos are gone from every feed now; its data is removed in the background. ' +
      'Its chat messages stay, shown from the user `[deleted]` with the same user id. Its username can be registered again after 30 days.',
  }),
});

const ExportSchema = Type.Object({
  id: Type.String(),
  status: Type.Union([Type.Literal('pending'), Type.Literal('ready'), Type.Literal('failed')]),
  url: Type.String({ description: 'Where the zip is downloaded once ready (signed in as its owner); an `export.ready` notification says when.' }),
  createdAt: Type.String(),
  expiresAt: Type.String({ description: 'Until when it can be downloaded (7 days after it is ready).' }),
});

export interface SettingsRoutesDeps {
  settings: AccountSettings;
  sessionTtlMs: number;
  secureCookies: boolean | 'auto';
}

export function accountSettingsRoutes(app: AppInstance, deps: SettingsRoutesDeps): void {
  const { settings } = deps;
  const tags = ['accounts'];
  const signedIn = (req: { viewer: Viewer | null }) => {
    if (!req.viewer) throw errors.unauthenticated();
    return req.viewer;
  };

  app.post(
    '/api/me/password',
    {
      schema: {
        tags,
        summary: 'Changes the password. Every session of the account ends (on every device, sockets included) and this one gets a new session cookie.',
        body: PasswordChangeBody,
        response: { 200: UserReply },
      },
    },
    async (req, reply) => {
      const viewer = signedIn(req);
      const { sid } = await settings.changePassword(viewer, req.body.current, req.body.password);
      setSessionCookie(reply, sid, deps);
      return { user: viewer };
    },
  );

  app.post(
    '/api/auth/logout-all',
    { schema: { tags, summary: 'Signs out everywhere: every session of the account ends, this one included, with their sockets.' } },
    async (req, reply) => {
      await settings.logoutAll(signedIn(req));
      reply.clearCookie(SESSION_COOKIE, { path: '/' });
      return reply.code(204).send();
    },
  );

  app.delete(
    '/api/me',
    {
      schema: {
        tags,
        summary: 'Deletes the account and everything it owns: photos, comments, likes, follows, notifications, exports, sessions.',
        body: DeleteAccountBody,
        response: { 202: DeleteAccountReply },
      },
    },
    async (req, reply) => {
      await settings.deleteAccount(signedIn(req), req.body.password);
      reply.clearCookie(SESSION_COOKIE, { path: '/' });
      return reply.code(202).send({ status: 'deleting' as const });
    },
  );

  app.post(
    '/api/me/export',
    {
      schema: {
        tags,
        summary: 'Starts an export of your data (a zip: profile, photos with captions and images, comments, follows, likes, notifications). One an hour.',
        response: { 202: Type.Object({ export: ExportSchema }) },
      },
    },
    async (req, reply) => reply.code(202).send({ export: await settings.requestExport(signedIn(req)) }),
  );

  app.get(
    '/api/me/exports',
    {
      schema: {
        tags,
        summary: 'Your data exports that have not expired, newest first (at most 10): `failed` when the job gave up.',
        response: { 200: Type.Object({ items: Type.Array(ExportSchema, { maxItems: 10 }) }) },
      },
    },
    async (req) => ({ items: await settings.exports(signedIn(req)) }),
  );

  app.get(
    '/api/me/exports/:id',
    {
      schema: {
        tags,
        summary: 'Downloads a ready export (application/zip): its owner only, until it expires; 404 otherwise.',
        params: Type.Object({ id: Type.String({ maxLength: 20 }) }),
      },
    },
    async (req, reply) => {
      const file = await settings.exportFile(signedIn(req), req.params.id);
      return reply
        .header('content-type', 'application/zip')
        .header('content-length', String(file.size))
        .header('content-disposition', `attachment; filename="${file.name}"`)
        .header('cache-control', 'private, no-store')
        .send(file.body);
    },
  );
}

import type { FastifyRequest } from 'fastify';
import { errors } from '../../errors.js';
import { idKey, PageQuery, pageParams, toPage } from '../../http/pagination.js';
import { pageOf } from '../../http/schemas.js';
import type { AppInstance } from '../../http/types.js';
import { requireAdmin } from '../accounts/viewer.js';
import { CreateInviteBody, InviteParams, InviteReply, InviteSchema } from './invites.schemas.js';
import type { InvitesService } from './invites.service.js';

export interface InvitesRoutesDeps {
  invites: InvitesService;
  publicUrl: URL | undefined;
}

const ADMINS_ONLY = 'Only admins can manage invites.';

export function invitesRoutes(app: AppInstance, { invites, publicUrl }: InvitesRoutesDeps): void {
  const tags = ['invites and roles'];

  app.post(
    '/api/admin/invites',
    {
      schema: {
        tags,
        summary: 'Create an invite link (admins only). Its `url` is in this reply only.',
        description: 'Send `{}` for the defaults: one use, valid for 7 days. Rate limited per admin.',
        body: CreateInviteBody,
        response: { 201: InviteReply },
      },
    },
    async (req, reply) => {
      const admin = requireAdmin(req.viewer, ADMINS_ONLY);
      const invite = await invites.create(admin, req.body, siteOrigin(req, publicUrl));
      return reply.code(201).send({ invite });
    },
  );

  app.get(
    '/api/admin/invites',
    {
      schema: {
        tags,
        summary: 'Invites, newest first (admins only); `url` is null, as only the token’s hash is kept.',
        querystring: PageQuery,
        response: { 200: pageOf(InviteSchema) },
      },
    },
    async (req) => {
      requireAdmin(req.viewer, ADMINS_ONLY);
      const { limit, before } = pageParams(req.query, idKey, 20);
      return toPage(await invites.list(before, limit + 1), limit, (i) => ({ id: i.id }));
    },
  );

  app.delete(
    '/api/admin/invites/:id',
    { schema: { tags, summary: 'Revoke an invite (admins only): 204, also when it was revoked already.', params: InviteParams } },
    async (req, reply) => {
      const admin = requireAdmin(req.viewer, ADMINS_ONLY);
      await invites.revoke(admin, req.params.id);
      return reply.code(204).send();
    },
  );
}

/**
 * Where an invite link points: PUBLIC_URL when it is set; else the origin the admin's browser is on
 * (this write passed the same-site check, so its Origin is ours), else the Host the request names.
 */
function siteOrigin(req: FastifyRequest, publicUrl: URL | undefined): string {
  if (publicUrl) return publicUrl.origin;
  for (const candidate of [req.headers.origin, `${req.protocol}://${req.host}`]) {
    if (typeof candidate !== 'string') continue;
    try {
      const url = new URL(candidate);
      if (url.protocol === 'http:' || url.protocol === 'https:') return url.origin;
    } catch {
      // not a URL: try the next one
    }
  }
  throw errors.badRequest('The request names no host to make the link with; set PUBLIC_URL.');
}

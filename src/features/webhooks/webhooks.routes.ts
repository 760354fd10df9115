// Webhooks over HTTP, for admins: register endpoints, list them, disable or enable, delete, and
// read each one's delivery log.
import { Type } from '@fastify/type-provider-typebox';
import { errors } from '../../errors.js';
import { idKey, pageParams, PageQuery, toPage } from '../../http/pagination.js';
import { Nullable, pageOf } from '../../http/schemas.js';
import type { AppInstance } from '../../http/types.js';
import type { Viewer } from '../accounts/viewer.js';
import { DOMAIN_EVENT_TYPES } from '../events/events.js';
import { WEBHOOK_LIMITS, type WebhooksService } from './webhooks.service.js';

const EventType = Type.Union(DOMAIN_EVENT_TYPES.map((t) => Type.Literal(t)));

const Endpoint = Type.Object({
  id: Type.String(),
  url: Type.String(),
  events: Type.Array(Type.String()),
  enabled: Type.Boolean(),
  disabledReason: Nullable(Type.String()),
  failingSince: Nullable(Type.String({ description: 'Deliveries have failed since then without a success; a day of that disables the endpoint.' })),
  createdAt: Type.String(),
  lastDelivery: Type.Optional(Nullable(Type.Object({ status: Nullable(Type.Integer()), error: Nullable(Type.String()), at: Type.String() }))),
});

const Delivery = Type.Object({
  id: Type.String(),
  eventId: Type.String(),
  eventType: Type.String(),
  attempt: Type.Integer(),
  status: Nullable(Type.Integer()),
  error: Nullable(Type.String()),
  durationMs: Nullable(Type.Integer()),
  createdAt: Type.String(),
});

const Id = Type.Object({ id: Type.String({ maxLength: 20 }) });

function signedIn(req: { viewer: Viewer | null }): Viewer {
  if (!req.viewer) throw errors.unauthenticated();
  return req.viewer;
}

export function webhooksRoutes(app: AppInstance, webhooks: WebhooksService): void {
  const tags = ['webhooks'];

  app.post(
    '/api/admin/webhooks',
    {
      schema: {
        tags,
        summary: 'Register an endpoint for domain events (admins). The reply holds its signing secret, shown only this once.',
        body: Type.Object(
          {
            url: Type.String({ minLength: 1, maxLength: WEBHOOK_LIMITS.urlMax, description: 'http(s); private, loopback and link-local addresses are refused unless WEBHOOK_ALLOW_PRIVATE=true.' }),
            events: Type.Array(EventType, { minItems: 1, maxItems: DOMAIN_EVENT_TYPES.length }),
          },
          { additionalProperties: false },
        ),
        response: { 201: Type.Object({ webhook: Endpoint, secret: Type.String({ description: 'whsec_…: verify deliveries with it (Standard Webhooks).' }) }) },
      },
    },
    async (req, reply) => {
      const { endpoint, secret } = await webhooks.create(signedIn(req), req.body);
      return reply.code(201).send({ webhook: endpoint, secret });
    },
  );

  app.get('/api/admin/webhooks', { schema: { tags, summary: 'Every endpoint, with its last delivery (admins).', response: { 200: Type.Object({ items: Type.Array(Endpoint) }) } } }, async (req) => ({
    items: await webhooks.list(signedIn(req)),
  }));

  app.patch(
    '/api/admin/webhooks/:id',
    {
      schema: {
        tags,
        summary: 'Disable or enable an endpoint (admins); enabling clears its failure streak.',
        params: Id,
        body: Type.Object({ enabled: Type.Boolean() }, { additionalProperties: false }),
        response: { 200: Type.Object({ webhook: Endpoint }) },
      },
    },
    async (req) => ({ webhook: await webhooks.setEnabled(signedIn(req), req.params.id, req.body.enabled) }),
  );

  app.delete('/api/admin/webhooks/:id', { schema: { tags, summary: 'Delete an endpoint and its log (admins).', params: Id } }, async (req, reply) => {
    await webhooks.delete(signedIn(req), req.params.id);
    return reply.code(204).send();
  });

  app.get(
    '/api/admin/webhooks/:id/deliveries',
    { schema: { tags, summary: 'The delivery log, newest first (admins).', params: Id, querystring: PageQuery, response: { 200: pageOf(Delivery) } } },
    async (req) => {
      const { limit, before } = pageParams(req.query, idKey);
      return toPage(await webhooks.deliveries(signedIn(req), req.params.id, before, limit + 1), limit, (d) => ({ id: d.id }));
    },
  );
}

// POST /api/ingest, in a scope of its own: its multipart body is not parsed by the framework but
// handed over raw, so nothing of it is parsed before the signature checks out.
import type { IncomingMessage } from 'node:http';
import { Type } from '@fastify/type-provider-typebox';
import { PhotoReply } from '../photos/photos.schemas.js';
import type { AppInstance } from '../../http/types.js';
import type { IngestService } from './ingest.service.js';

const header = (value: string | string[] | undefined) => (typeof value === 'string' ? value : undefined);

export function ingestRoutes(scope: AppInstance, ingest: IngestService): void {
  scope.addContentTypeParser('multipart/form-data', (_req: unknown, payload: IncomingMessage, done: (err: null, body: IncomingMessage) => void) => done(null, payload));

  scope.post(
    '/api/ingest',
    {
      schema: {
        tags: ['ingest'],
        summary: 'A photo from a signed source (a camera, a bot): multipart file, caption?, city?. See the README, "Ingest".',
        description:
          'Headers: X-Source (the source name), X-Timestamp (Unix seconds, within 5 minutes), X-Signature-256: sha256=<hex HMAC-SHA256 with the source secret of X-Timestamp + "." + the raw body>. ' +
          'Refusals are 401 with SIGNATURE_REQUIRED, STALE_TIMESTAMP, UNKNOWN_SOURCE, BAD_SIGNATURE or REPLAYED; nothing is stored.',
        consumes: ['multipart/form-data'],
        response: { 202: PhotoReply },
        headers: Type.Object({
          'x-source': Type.Optional(Type.String({ maxLength: 100 })),
          'x-timestamp': Type.Optional(Type.String({ maxLength: 20 })),
          'x-signature-256': Type.Optional(Type.String({ maxLength: 100 })),
        }),
      },
    },
    async (req, reply) => {
      const checked = await ingest.check({
        source: header(req.headers['x-source']),
        timestamp: header(req.headers['x-timestamp']),
        signature: header(req.headers['x-signature-256']),
      });
      const photo = await ingest.receive(checked, req.body as IncomingMessage, header(req.headers['content-type']));
      return reply.code(202).send({ photo });
    },
  );
}

// Photo variants. Keys are content addresses, so a URL's bytes never change: cache forever, and the
// hash is the ETag. Only the media store is reachable here; originals (with their metadata) never are.
import { Type } from '@fastify/type-provider-typebox';
import { errors } from '../errors.js';
import { isBlobKey, type BlobStore } from '../ports/blobs.js';
import type { AppInstance } from './types.js';

export function mediaRoutes(app: AppInstance, media: BlobStore): void {
  app.get(
    '/media/:key',
    { schema: { tags: ['media'], summary: 'A photo variant (WebP).', params: Type.Object({ key: Type.String({ maxLength: 100 }) }) } },
    async (req, reply) => {
      const { key } = req.params;
      const blob = isBlobKey(key) ? await media.get(key) : null;
      if (!blob) throw errors.notFound('That file');
      const etag = `"${key.slice(0, key.indexOf('.'))}"`;
      void reply
        .header('cache-control', 'public, max-age=31536000, immutable')
        .header('x-content-type-options', 'nosniff')
        .header('etag', etag);
      if (ifNoneMatch(req.headers['if-none-match'], etag)) {
        blob.body.destroy();
        return reply.code(304).send();
      }
      return reply.type(blob.contentType).header('content-length', String(blob.size)).send(blob.body);
    },
  );
}

/**
 * Whether an If-None-Match header names `etag` (weakly compared, as RFC 9110 asks) or is `*`.
 * Split and trimmed as plain strings: splitting on optional spaces around a comma with a regex
 * backtracks quadratically over a long run of spaces, and the header is the client's.
 */
export function ifNoneMatch(header: string | undefined, etag: string): boolean {
  if (header === undefined) return false;
  return header.split(',').some((raw) => {
    const tag = raw.trim();
    return tag === '*' || tag === etag || tag === `W/${etag}`;
  });
}

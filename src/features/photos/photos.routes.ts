import type { FastifyReply } from 'fastify';
import { errors } from '../../errors.js';
import { idKey, pageParams, PageQuery, toPage } from '../../http/pagination.js';
import { pageOf } from '../../http/schemas.js';
import type { AppInstance } from '../../http/types.js';
import type { Photo } from '../../shared/api.js';
import type { CitiesService } from '../cities/cities.service.js';
import { CitySlugParams, LikeReply, PhotoParams, PhotoReply, PhotoSchema } from './photos.schemas.js';
import type { PhotosService } from './photos.service.js';
import { receiveUpload } from './upload.js';

/**
 * A feed page as bytes, serialized once per list of rows with the route's own response schema: the
 * service hands the same rows to every signed-out reader of a page at the same moment (see
 * SharedReads), and each of them is then sent the same bytes instead of serializing the page again.
 */
const pageBytes = new WeakMap<Photo[], Buffer>();

function sendPage(reply: FastifyReply, rows: Photo[], limit: number): FastifyReply {
  let body = pageBytes.get(rows);
  if (!body) {
    body = Buffer.from(reply.serialize(toPage(rows, limit, (p) => ({ id: p.id }))) as string);
    pageBytes.set(rows, body);
  }
  return reply.type('application/json; charset=utf-8').send(body);
}

export function photosRoutes(app: AppInstance, deps: { photos: PhotosService; cities: CitiesService; tmpDir: string }): void {
  const { photos } = deps;
  const tags = ['photos'];
  const Feed = { querystring: PageQuery, response: { 200: pageOf(PhotoSchema) } };

  app.post(
    '/api/photos',
    {
      schema: {
        tags,
        summary: 'Upload a photo (multipart/form-data: file, caption?, city?); it is processed in the background.',
        consumes: ['multipart/form-data'],
        response: { 202: PhotoReply },
      },
    },
    async (req, reply) => {
      if (!req.viewer) throw errors.unauthenticated();
      await photos.admitUpload(req.viewer);
      const upload = await receiveUpload(req, deps.tmpDir);
      let photo;
      try {
        photo = await photos.accept(req.viewer, upload);
      } finally {
        await upload.discard(); // before answering, so a crash right after the 202 leaves nothing behind
      }
      return reply.code(202).send({ photo });
    },
  );

  app.get('/api/photos/:id', { schema: { tags, params: PhotoParams, response: { 200: PhotoReply } } }, async (req) => ({
    photo: await photos.get(req.params.id, req.viewer),
  }));

  app.delete('/api/photos/:id', { schema: { tags, params: PhotoParams } }, async (req, reply) => {
    if (!req.viewer) throw errors.unauthenticated();
    await photos.delete(req.viewer, req.params.id);
    return reply.code(204).send();
  });

  app.put('/api/photos/:id/like', { schema: { tags, params: PhotoParams, response: { 200: LikeReply } } }, async (req) => {
    if (!req.viewer) throw errors.unauthenticated();
    return photos.like(req.viewer, req.params.id);
  });

  app.delete('/api/photos/:id/like', { schema: { tags, params: PhotoParams, response: { 200: LikeReply } } }, async (req) => {
    if (!req.viewer) throw errors.unauthenticated();
    return photos.unlike(req.viewer, req.params.id);
  });

  app.get('/api/feeds/latest', { schema: { tags, ...Feed } }, async (req, reply) => {
    const { limit, before } = pageParams(req.query, idKey);
    return sendPage(reply, await photos.feed({ kind: 'latest' }, req.viewer, before, limit + 1), limit);
  });

  app.get('/api/feeds/home', { schema: { tags, ...Feed } }, async (req, reply) => {
    if (!req.viewer) throw errors.unauthenticated();
    const { limit, before } = pageParams(req.query, idKey);
    return sendPage(reply, await photos.feed({ kind: 'home', userId: req.viewer.id }, req.viewer, before, limit + 1), limit);
  });

  app.get('/api/feeds/city/:slug', { schema: { tags, params: CitySlugParams, ...Feed } }, async (req, reply) => {
    const city = await deps.cities.get(req.params.slug);
    const { limit, before } = pageParams(req.query, idKey);
    return sendPage(reply, await photos.feed({ kind: 'city', cityId: city.id }, req.viewer, before, limit + 1), limit);
  });
}

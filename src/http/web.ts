// Serves the built browser app: hashed assets cached forever, index.html for every app route.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import fastifyStatic from '@fastify/static';
import { errors } from '../errors.js';
import { sendError } from './error-handler.js';
import type { AppInstance } from './types.js';

const NOT_APP_ROUTES = /^\/(?:api|media|socket\.io|docs|metrics)(?:\/|$)/;

export async function webRoutes(app: AppInstance, webDir: string): Promise<void> {
  const built = existsSync(join(webDir, 'index.html'));
  if (built) {
    await app.register(fastifyStatic, {
      root: webDir,
      index: false,
      // The shell and its hashed assets are small; a Range header gets the whole file (200), never a 416.
      acceptRanges: false,
      // `/` is a directory to the static plugin, which refuses it; the app route below serves it.
      redirect: false,
      setHeaders(res, path) {
        res.header('cache-control', path.includes('/assets/') ? 'public, max-age=31536000, immutable' : 'no-cache');
        res.header('x-content-type-options', 'nosniff');
      },
    });
    app.get('/', { schema: { hide: true } }, (_req, reply) => reply.header('cache-control', 'no-cache').sendFile('index.html'));
  } else {
    app.log.warn({ webDir }, 'the browser app is not built: run `npm run build`');
  }

  app.setNotFoundHandler(async (req, reply) => {
    const query = req.url.indexOf('?');
    const path = query === -1 ? req.url : req.url.slice(0, query);
    // App routes never contain a dot; a missing file (a stale /assets/ link) must 404, not get HTML.
    const isAppRoute = !NOT_APP_ROUTES.test(path) && !lastSegment(path).includes('.');
    if ((req.method === 'GET' || req.method === 'HEAD') && isAppRoute) {
      if (built) return reply.header('cache-control', 'no-cache').sendFile('index.html');
      return reply.type('text/plain').send('Strobe: the browser app is not built. Run `npm run build`, then restart.');
    }
    return sendError(req, reply, errors.notFound(`${req.method} ${path.slice(0, 100)}`));
  });
}

/**
 * What follows the last slash. Plain string search, not a regex: the path is the client's, and a
 * pattern like `/\.[^/]*$/` backtracks quadratically over a long run of dots before a slash.
 */
function lastSegment(path: string): string {
  return path.slice(path.lastIndexOf('/') + 1);
}

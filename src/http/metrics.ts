// /metrics in the Prometheus text format, and the HTTP request histogram behind it. Like /healthz
// and /readyz it is meant for the operators' network (the load balancer or a scraper), not users;
// with METRICS_PORT it leaves the app's port for a listener of its own, which a firewall can keep
// to that network.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { FastifyBaseLogger } from 'fastify';
import { errorBody, errors } from '../errors.js';
import type { Metrics } from '../ops/metrics.js';
import type { AppInstance } from './types.js';

export function metricsRoutes(app: AppInstance, metrics: Metrics, opts: { route: boolean } = { route: true }): void {
  // By route pattern, never by raw URL: ids and file names would make a series per request.
  app.addHook('onResponse', async (req, reply) => {
    metrics.httpRequest(req.method, req.routeOptions.url ?? 'unmatched', reply.statusCode, reply.elapsedTime);
  });
  if (!opts.route) return;

  app.get('/metrics', { schema: { tags: ['operations'], summary: 'Prometheus metrics of this instance.' } }, async (_req, reply) => {
    const text = await metrics.text();
    return reply.type(metrics.contentType).send(text);
  });
}

export interface MetricsServer {
  port: number;
  close(): Promise<void>;
}

/** Serves GET /metrics, and nothing else, on a port of its own. */
export async function serveMetrics(metrics: Metrics, opts: { port: number; host: string; log: FastifyBaseLogger }): Promise<MetricsServer> {
  const server: Server = createServer((req, res) => {
    const path = req.url?.split('?', 1)[0];
    const send = (status: number, type: string, body: string) => {
      res.writeHead(status, { 'content-type': type, 'content-length': Buffer.byteLength(body), 'x-content-type-options': 'nosniff' });
      res.end(req.method === 'HEAD' ? undefined : body);
    };
    if (path !== '/metrics' || (req.method !== 'GET' && req.method !== 'HEAD')) {
      send(404, 'application/json; charset=utf-8', JSON.stringify(errorBody(errors.notFound(`${req.method} ${path?.slice(0, 100)}`))));
      return;
    }
    metrics.text().then(
      (text) => send(200, metrics.contentType, text),
      (err: unknown) => {
        opts.log.error({ err }, 'metrics failed');
        send(500, 'application/json; charset=utf-8', JSON.stringify(errorBody(errors.internal())));
      },
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, opts.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  return {
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        // A scraper's idle keep-alive connection must not hold the drain up.
        server.closeIdleConnections();
      }),
  };
}

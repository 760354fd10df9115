// /metrics in the Prometheus text format, and the HTTP request histogram behind it. Like /healthz
// and /readyz it is meant for the operators' network (the load balancer or a scraper), not users.
import type { Metrics } from '../ops/metrics.js';
import type { AppInstance } from './types.js';

export function metricsRoutes(app: AppInstance, metrics: Metrics): void {
  // By route pattern, never by raw URL: ids and file names would make a series per request.
  app.addHook('onResponse', async (req, reply) => {
    metrics.httpRequest(req.method, req.routeOptions.url ?? 'unmatched', reply.statusCode, reply.elapsedTime);
  });

  app.get('/metrics', { schema: { tags: ['operations'], summary: 'Prometheus metrics of this instance.' } }, async (_req, reply) => {
    const text = await metrics.text();
    return reply.type(metrics.contentType).send(text);
  });
}

// The request id every log line of a request carries. A load balancer's X-Request-Id is kept, so one
// id follows a request across hops; anything else a client sends there would go into every log line
// unchecked (10 kB of it, or a newline forging a line for a reader of plain-text logs).
import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

/** [A-Za-z0-9._:-], as load balancers and tracing ids use. */
const SANE_ID = /^[\w.:-]{1,64}$/;

/** For Fastify's `genReqId` (with `requestIdHeader: false`, so the header is read here only). */
export function requestId(req: IncomingMessage): string {
  const given = req.headers['x-request-id'];
  // Random, not Fastify's per-process counter: ids from several instances must not collide in one log store.
  return typeof given === 'string' && SANE_ID.test(given) ? given : randomUUID();
}

// Security headers on every response, by helmet: a Content-Security-Policy that runs only the app's
// own script files (no inline script, no eval) and lets no page frame ours, nosniff on everything
// (JSON included), and HSTS when the public URL is https. The options never change while a process
// runs, so helmet computes the headers once, at start, and every reply gets that same set: run per
// request (@fastify/helmet even built helmet's middleware again for each one, parsing the policy)
// it was a tenth of the web process's CPU on a home feed read (docs/benchmarks.md, benchmark 5).
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { FastifyInstance } from 'fastify';
import helmet, { type HelmetOptions } from 'helmet';

type Directives = Record<string, string[]>;

function appDirectives(https: boolean): Directives {
  return {
    'default-src': ["'self'"],
    'script-src': ["'self'"],
    'script-src-attr': ["'none'"],
    // The bundle's one stylesheet; styles set from script (style={{…}}) go through the CSSOM, which
    // style-src does not govern.
    'style-src': ["'self'"],
    // data: for the favicon and placeholders, blob: for the preview of a photo being uploaded.
    'img-src': ["'self'", 'data:', 'blob:'],
    // 'self' covers the same origin's ws: and wss: too (CSP level 3), which Socket.IO uses.
    'connect-src': ["'self'"],
    'font-src': ["'self'"],
    'object-src': ["'none'"],
    'base-uri': ["'self'"],
    'form-action': ["'self'"],
    'frame-ancestors': ["'none'"],
    // On a plain-http deployment (a LAN, localhost) this would break every request, so https only.
    ...(https ? { 'upgrade-insecure-requests': [] } : {}),
  };
}

export function registerSecurityHeaders(app: FastifyInstance, publicUrl: URL | undefined): void {
  const headers = helmetHeaders(securityHeaders(publicUrl));
  app.addHook('onRequest', (_req, reply, done) => {
    reply.headers(headers);
    done();
  });
}

/** The headers helmet's middleware sets with these options (which read nothing of the request). */
export function helmetHeaders(options: HelmetOptions): Record<string, string> {
  const headers: Record<string, string> = {};
  const recorder = {
    setHeader(name: string, value: unknown) {
      headers[name.toLowerCase()] = String(value);
    },
    removeHeader(name: string) {
      delete headers[name.toLowerCase()];
    },
  };
  let failure: unknown;
  helmet(options)({} as IncomingMessage, recorder as unknown as ServerResponse, (err?: unknown) => (failure = err));
  if (failure) throw failure instanceof Error ? failure : new Error(String(failure));
  return headers;
}

export function securityHeaders(publicUrl: URL | undefined): HelmetOptions {
  const https = publicUrl?.protocol === 'https:';
  return {
    contentSecurityPolicy: { useDefaults: false, directives: appDirectives(https) },
    // Not no-referrer: a same-origin fetch() then sends `Origin: null`, which the CSRF check refuses.
    referrerPolicy: { policy: 'same-origin' },
    // Without includeSubDomains: Strobe may live on a name whose siblings it does not own.
    strictTransportSecurity: https ? { maxAge: 31_536_000, includeSubDomains: false } : false,
    xFrameOptions: { action: 'deny' },
  };
}

/**
 * Swagger UI's own policy for /docs: the app's, except that its bundle adds a <style> element at
 * run time. Its scripts are files (the initializer included), so script-src stays 'self'; no user
 * content is shown there, so inline styles cost little.
 */
export function docsContentSecurityPolicy(publicUrl: URL | undefined): string {
  const directives = appDirectives(publicUrl?.protocol === 'https:');
  return serialize({ ...directives, 'style-src': ["'self'", "'unsafe-inline'"] });
}

function serialize(directives: Directives): string {
  return Object.entries(directives)
    .map(([name, values]) => [name, ...values].join(' '))
    .join('; ');
}

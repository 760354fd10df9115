// Security headers on every response, by helmet: a Content-Security-Policy that runs only the app's
// own script files (no inline script, no eval) and lets no page frame ours, nosniff on everything
// (JSON included), and HSTS when the public URL is https. The middleware is built once and run on
// every request: @fastify/helmet built it again for each one (parsing the policy each time), a
// tenth of the web process's CPU on a home feed read (docs/benchmarks.md, benchmark 5).
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
  const apply = helmet(securityHeaders(publicUrl));
  app.addHook('onRequest', (req, reply, done) => apply(req.raw, reply.raw, (err) => done(err as Error | undefined)));
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

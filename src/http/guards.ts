// Request hooks that run before every route: the viewer behind the session cookie, and the refusal
// of cross-site writes (CSRF) for cookie-authenticated requests.
import { errors } from '../errors.js';
import type { Sessions } from '../features/accounts/sessions.js';
import { SESSION_COOKIE } from '../features/accounts/sessions.js';
import type { AppInstance } from './types.js';
import { isCrossSite } from './origin.js';

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

export function registerGuards(app: AppInstance, deps: { sessions: Sessions; publicUrl: URL | undefined }): void {
  app.decorateRequest('viewer', null);
  app.addHook('onRequest', async (req) => {
    if (!SAFE_METHODS.has(req.method) && isCrossSite(req.headers, deps.publicUrl)) throw errors.csrf();
    // Only the API needs to know who is asking; static files and media are served without a lookup.
    if (req.url.startsWith('/api/')) req.viewer = await deps.sessions.viewer(req.cookies[SESSION_COOKIE]);
  });
}

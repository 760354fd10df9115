// History-API routing: a store of the current path, navigate(), and a pattern matcher.
// The server answers index.html for unknown GET paths, so deep links and refreshes work.
import { createStore, useStore } from './store.js';

export interface Location {
  path: string;
  search: string;
}

const current = (): Location => ({ path: window.location.pathname, search: window.location.search });

export const location = createStore<Location>(current());

window.addEventListener('popstate', () => location.set(current()));

export function navigate(to: string, opts: { replace?: boolean } = {}): void {
  const url = new URL(to, window.location.origin);
  const here = window.location.pathname + window.location.search;
  if (url.pathname + url.search === here) return;
  if (opts.replace) window.history.replaceState(null, '', url);
  else window.history.pushState(null, '', url);
  location.set(current());
  if (!opts.replace) window.scrollTo(0, 0);
}

export function useLocation(): Location {
  return useStore(location);
}

export type Params = Record<string, string>;

/** Matches `/chat/:room` style patterns; params are URI-decoded. */
export function matchPath(pattern: string, path: string): Params | null {
  const want = pattern.split('/').filter(Boolean);
  const have = path.split('/').filter(Boolean);
  if (want.length !== have.length) return null;
  const params: Params = {};
  for (let i = 0; i < want.length; i++) {
    const w = want[i]!;
    const h = have[i]!;
    if (w.startsWith(':')) {
      try {
        params[w.slice(1)] = decodeURIComponent(h);
      } catch {
        return null;
      }
    } else if (w !== h) return null;
  }
  return params;
}

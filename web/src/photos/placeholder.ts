// Thumbhash placeholders as data URLs, painted under an image while it loads.
import { thumbHashToDataURL } from 'thumbhash';

const cache = new Map<string, string | null>();
const MAX_CACHED = 500;

/** Null when there is no placeholder or it cannot be decoded (a bad hash must not break a page). */
export function placeholderUrl(base64: string | null): string | null {
  if (!base64) return null;
  const hit = cache.get(base64);
  if (hit !== undefined) return hit;
  let url: string | null;
  try {
    url = thumbHashToDataURL(Uint8Array.from(atob(base64), (c) => c.charCodeAt(0)));
  } catch {
    url = null;
  }
  if (cache.size >= MAX_CACHED) cache.delete(cache.keys().next().value!);
  cache.set(base64, url);
  return url;
}

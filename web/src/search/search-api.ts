// The search and hashtag parts of the HTTP API, and the stream name of a tag's wall.
import type { Page, Photo, SearchResults, Tag } from '../../../src/shared/api.js';
import { api, withQuery } from '../lib/api.js';
import { FEED_PAGE, type FeedSource } from '../photos/photos-api.js';

/** The server answers 400 to a longer `q`; the box never sends one. */
export const SEARCH_MAX = 100;

const seg = encodeURIComponent;

export function search(q: string, signal?: AbortSignal): Promise<SearchResults> {
  return api<SearchResults>('GET', withQuery('/api/search', { q }), undefined, signal);
}

export function tagHref(name: string): string {
  return `/tags/${seg(name)}`;
}

/** A tag and its count of ready photos (0 for a well-formed tag nobody uses). */
export async function fetchTag(name: string): Promise<Tag> {
  return (await api<{ tag: Tag }>('GET', `/api/tags/${seg(name)}`)).tag;
}

/** `name` as stored (lower case, NFC): the stream refuses any other spelling. */
export const tagFeed = (name: string): FeedSource => ({
  stream: `tag:${name}`,
  fetchPage: (before) => api<Page<Photo>>('GET', withQuery(`/api/feeds/tag/${seg(name)}`, { limit: FEED_PAGE, before })),
});

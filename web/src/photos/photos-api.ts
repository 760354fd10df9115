// The photo, feed, profile and city parts of the HTTP API, and the stream names that go with them.
import type { City, FollowResult, LikeResult, Page, Photo, Profile } from '../../../src/shared/api.js';
import { api, withQuery } from '../lib/api.js';

export const FEED_PAGE = 24;

const seg = encodeURIComponent;

/** Where a wall's photos come from: its first page over HTTP, then its stream. */
export interface FeedSource {
  stream: string;
  fetchPage(before?: string | null): Promise<Page<Photo>>;
}

const page = (path: string) => (before?: string | null) => api<Page<Photo>>('GET', withQuery(path, { limit: FEED_PAGE, before }));

export const latestFeed = (): FeedSource => ({ stream: 'latest', fetchPage: page('/api/feeds/latest') });
export const homeFeed = (): FeedSource => ({ stream: 'home', fetchPage: page('/api/feeds/home') });
export const cityFeed = (slug: string): FeedSource => ({ stream: `city:${slug}`, fetchPage: page(`/api/feeds/city/${seg(slug)}`) });
export const profileFeed = (username: string): FeedSource => ({
  stream: `profile:${username}`,
  fetchPage: page(`/api/users/${seg(username)}/photos`),
});

export const photoStream = (id: string): string => `photo:${id}`;

export async function fetchPhoto(id: string): Promise<Photo> {
  return (await api<{ photo: Photo }>('GET', `/api/photos/${seg(id)}`)).photo;
}

export function deletePhoto(id: string): Promise<void> {
  return api('DELETE', `/api/photos/${seg(id)}`);
}

export function setLiked(id: string, liked: boolean): Promise<LikeResult> {
  return api(liked ? 'PUT' : 'DELETE', `/api/photos/${seg(id)}/like`);
}

export function fetchProfile(username: string): Promise<Profile> {
  return api('GET', `/api/users/${seg(username)}`);
}

export function setFollowing(username: string, following: boolean): Promise<FollowResult> {
  return api(following ? 'PUT' : 'DELETE', `/api/users/${seg(username)}/follow`);
}

/** Prefix search, biggest first; without a query, the cities that have photos, most first. */
export async function searchCities(q: string, signal?: AbortSignal): Promise<City[]> {
  const res = await api<Page<City>>('GET', withQuery('/api/cities', { q, limit: q ? 8 : 100 }), undefined, signal);
  return res.items;
}

export async function fetchCity(slug: string): Promise<City> {
  return (await api<{ city: City }>('GET', `/api/cities/${seg(slug)}`)).city;
}

/** The newest photo of a city, for its tile on the cities wall. */
export async function newestInCity(slug: string): Promise<Photo | null> {
  const res = await api<Page<Photo>>('GET', withQuery(`/api/feeds/city/${seg(slug)}`, { limit: 1 }));
  return res.items[0] ?? null;
}

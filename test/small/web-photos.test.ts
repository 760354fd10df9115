// Merging photos, city tiles and notifications in the browser: every source may repeat an item,
// the id decides, newest first, and a finished photo is never replaced by an unfinished copy.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { City, Notification, Photo } from '../../src/shared/api.js';
import { mergeNotifications } from '../../web/src/notifications/notification-list.js';
import { bumpTile, dropFromTiles, fillTile, type CityTile } from '../../web/src/photos/city-tiles.js';
import { mergePhotos, patchPhoto, withoutPhoto } from '../../web/src/photos/photo-list.js';
import { userRef } from '../helpers/users.js';

const T0 = 1_700_000_000_000;
const paris = { slug: 'paris-fr', name: 'Paris', country: 'FR' };
const tokyo = { slug: 'tokyo-jp', name: 'Tokyo', country: 'JP' };

function photo(id: string, at: number, over: Partial<Photo> = {}): Photo {
  return {
    id,
    owner: userRef('u1', 'ann'),
    caption: '',
    city: null,
    status: 'ready',
    width: 100,
    height: 100,
    variants: { thumb: `/media/${id}-t.webp`, display: `/media/${id}-d.webp` },
    placeholder: null,
    likes: 0,
    comments: 0,
    liked: false,
    failure: null,
    createdAt: new Date(T0 + at).toISOString(),
    ...over,
  };
}

const ids = (list: { id: string }[]) => list.map((p) => p.id);

test('photos from a page, live events and uploads show once, newest first', () => {
  const page = [photo('3', 3), photo('2', 2)];
  const live = [photo('4', 4), photo('3', 3, { caption: 'edited' })];
  const merged = mergePhotos(page, live);
  assert.deepEqual(ids(merged), ['4', '3', '2']);
  assert.equal(merged[1]?.caption, 'edited');
});

test('equal times fall back to the id, compared as numbers', () => {
  assert.deepEqual(ids(mergePhotos([photo('9', 0), photo('10', 0), photo('100', 0)])), ['100', '10', '9']);
});

test('a processing copy never replaces a finished one, whichever comes last', () => {
  const processing = photo('5', 5, { status: 'processing', variants: null });
  const ready = photo('5', 5);
  assert.equal(mergePhotos([ready], [processing])[0]?.status, 'ready');
  assert.equal(mergePhotos([processing], [ready])[0]?.status, 'ready');
  const failed = photo('5', 5, { status: 'failed', failure: 'broken' });
  assert.equal(mergePhotos([failed], [processing])[0]?.failure, 'broken');
});

test('patching and removing touch only the photo named', () => {
  const list = [photo('2', 2), photo('1', 1)];
  assert.deepEqual(patchPhoto(list, '1', { likes: 3 }).map((p) => p.likes), [0, 3]);
  assert.deepEqual(ids(withoutPhoto(list, '2')), ['1']);
});

const city = (ref: typeof paris, photos: number): City => ({ ...ref, photos });

test('a live photo moves its city to the front and counts it once', () => {
  const tiles: CityTile[] = [
    { city: city(tokyo, 5), photo: photo('1', 1, { city: tokyo }), bumpedAt: 0 },
    { city: city(paris, 2), photo: photo('2', 2, { city: paris }), bumpedAt: 0 },
  ];
  const p = photo('3', 3, { city: paris });
  const bumped = bumpTile(tiles, p, 42);
  assert.deepEqual(bumped.map((t) => t.city.slug), ['paris-fr', 'tokyo-jp']);
  assert.equal(bumped[0]?.city.photos, 3);
  assert.equal(bumped[0]?.photo?.id, '3');
  assert.equal(bumped[0]?.bumpedAt, 42);
  assert.deepEqual(bumpTile(bumped, p, 43), bumped, 'the same photo again changes nothing');
});

test('a photo from a city not on the wall yet adds its tile; one without a city changes nothing', () => {
  const tiles = bumpTile([], photo('1', 1, { city: tokyo }), 1);
  assert.deepEqual(tiles.map((t) => [t.city.slug, t.city.photos]), [['tokyo-jp', 1]]);
  assert.deepEqual(bumpTile(tiles, photo('2', 2), 2), tiles);
});

test('deleting the photo a tile shows empties it until the refetch fills it; a city left without photos goes', () => {
  const tiles: CityTile[] = [
    { city: city(paris, 2), photo: photo('2', 2, { city: paris }), bumpedAt: 0 },
    { city: city(tokyo, 1), photo: photo('1', 1, { city: tokyo }), bumpedAt: 0 },
  ];
  const { tiles: dropped, stale } = dropFromTiles(tiles, '2');
  assert.deepEqual(stale, ['paris-fr']);
  assert.equal(dropped[0]?.photo, null);
  assert.equal(dropped[0]?.city.photos, 1);
  const filled = fillTile(dropped, 'paris-fr', photo('0', 0, { city: paris }));
  assert.equal(filled[0]?.photo?.id, '0');

  const gone = dropFromTiles(tiles, '1').tiles;
  assert.deepEqual(fillTile(gone, 'tokyo-jp', null).map((t) => t.city.slug), ['paris-fr']);
});

test('a refetched newest photo does not overwrite a newer live one', () => {
  const { tiles } = dropFromTiles([{ city: city(paris, 2), photo: photo('2', 2, { city: paris }), bumpedAt: 0 }], '2');
  const live = bumpTile(tiles, photo('3', 3, { city: paris }), 5);
  assert.equal(fillTile(live, 'paris-fr', photo('1', 1, { city: paris }))[0]?.photo?.id, '3');
});

test('notifications show once, newest first, the live copy winning', () => {
  const n = (id: string, at: number, read = false): Notification => ({
    id,
    type: 'like',
    actor: userRef('u2', 'bob'),
    photo: { id: 'p1', thumb: null },
    badge: null,
    reason: null,
    comment: null,
    read,
    createdAt: new Date(T0 + at).toISOString(),
  });
  const merged = mergeNotifications([n('3', 3, false)], [n('3', 3, true), n('2', 2), n('4', 4)]);
  assert.deepEqual(ids(merged), ['4', '3', '2']);
  assert.equal(merged[1]?.read, false);
});

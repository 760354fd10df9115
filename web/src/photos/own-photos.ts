// The signed-in user's own photos that the walls must show before (or whatever) the feeds say:
// uploads of this session from their 202 on, and anything the `user` stream reports as
// processed or failed. Each wall merges the ones it would contain, so a "processing" card
// appears at once and is swapped live for the finished photo, or shows why it failed.
import type { Photo } from '../../../src/shared/api.js';
import { ApiError } from '../lib/api.js';
import { isEvent } from '../lib/events.js';
import { live } from '../lib/live.js';
import { currentUser, session } from '../lib/session.js';
import { createStore } from '../lib/store.js';
import { fetchPhoto } from './photos-api.js';
import { mergePhotos, patchPhoto, withoutPhoto } from './photo-list.js';

export interface OwnPhotos {
  items: Photo[];
  /** Deleted here or seen deleted on a stream: no wall may show them again. */
  gone: ReadonlySet<string>;
}

const empty = (): OwnPhotos => ({ items: [], gone: new Set() });

export const ownPhotos = createStore<OwnPhotos>(empty());

let userId: string | undefined;

export function addOwnPhoto(photo: Photo): void {
  if (photo.owner.id !== userId) return;
  ownPhotos.update((s) => (s.gone.has(photo.id) ? s : { ...s, items: mergePhotos(s.items, [photo]) }));
}

/** A change made on a page (a like) reaches the own copy too, if there is one. */
export function updateOwnPhoto(photo: Photo): void {
  if (ownPhotos.get().items.some((p) => p.id === photo.id)) {
    ownPhotos.update((s) => ({ ...s, items: patchPhoto(s.items, photo.id, photo) }));
  }
}

export function forgetPhoto(id: string): void {
  ownPhotos.update((s) => ({ items: withoutPhoto(s.items, id), gone: new Set([...s.gone, id]) }));
}

/** Follows the session: one `user` subscription per signed-in user, cleared on sign-out. */
export function startOwnPhotos(): void {
  let stop: (() => void) | undefined;
  const sync = () => {
    const id = currentUser()?.id;
    if (id === userId) return;
    stop?.();
    stop = undefined;
    userId = id;
    ownPhotos.set(empty());
    if (id) stop = watch(id);
  };
  session.subscribe(sync);
  sync();
}

function watch(forUser: string): () => void {
  const mine = () => userId === forUser;
  const refresh = async (id: string, failure?: string) => {
    try {
      const photo = await fetchPhoto(id);
      if (mine()) addOwnPhoto(failure && photo.status !== 'ready' ? { ...photo, status: 'failed', failure } : photo);
    } catch (err) {
      if (mine() && err instanceof ApiError && err.status === 404) forgetPhoto(id);
    }
  };
  return live.subscribe('user', {
    onEvent(env) {
      if (isEvent(env, 'photo.processed')) addOwnPhoto(env.data.photo);
      else if (isEvent(env, 'photo.failed')) {
        const { id, reason } = env.data;
        const known = ownPhotos.get().items.some((p) => p.id === id);
        // A photo this session did not upload (shown from a feed): fetch it, to have all of it.
        if (known) ownPhotos.update((s) => ({ ...s, items: patchPhoto(s.items, id, { status: 'failed', failure: reason }) }));
        else void refresh(id, reason);
      }
    },
    onReset() {
      // Events may have been missed: ask again about every upload still in progress.
      for (const p of ownPhotos.get().items) if (p.status === 'processing') void refresh(p.id);
    },
  });
}

import { useEffect, useMemo, useState } from 'preact/hooks';
import type { Photo } from '../../../src/shared/api.js';
import { useStore } from '../lib/store.js';
import { FeedModel, type FeedHooks, type FeedState } from './feed-model.js';
import { ownPhotos } from './own-photos.js';
import type { FeedSource } from './photos-api.js';
import { mergePhotos } from './photo-list.js';

export interface FeedView {
  state: FeedState;
  /** The wall's photos merged with the user's own that belong on it, newest first. */
  photos: Photo[];
  model: FeedModel;
  loadMore(): void;
  /** Starts over: a fresh subscription and a fresh fetch (after an error). */
  reload(): void;
}

/**
 * Opens a wall while the component is mounted. `key` names the wall (a new key, a new model);
 * `ownBelongs` picks which of the user's own photos appear on it.
 */
export function useFeed(key: string, source: () => FeedSource, ownBelongs: (p: Photo) => boolean, hooks?: FeedHooks): FeedView {
  const [attempt, setAttempt] = useState(0);
  // The key names the wall: source and hooks are read once per wall, as the chat room's model is.
  const model = useMemo(() => new FeedModel(source(), hooks), [key, attempt]);
  useEffect(() => model.start(), [model]);
  const state = useStore(model.store);
  const own = useStore(ownPhotos);
  // The wall's copy wins over the user's own unless the own one is further along (ready while
  // the wall still says processing): the wall's copy carries likes made since.
  const photos = useMemo(
    () => mergePhotos(own.items.filter(ownBelongs), state.items).filter((p) => !own.gone.has(p.id)),
    // ownBelongs is a new closure every render but means the same thing for one wall.
    [state.items, own, key],
  );
  return { state, photos, model, loadMore: () => void model.loadMore(), reload: () => setAttempt((n) => n + 1) };
}

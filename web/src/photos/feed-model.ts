// One wall of photos: its first page over HTTP plus its stream, kept consistent across
// reconnects as the chat room is. The subscription's onReset (first subscribe, or replay
// impossible) triggers the fetch, so no photo can fall between the page and the stream; live
// photos that arrive while a fetch is in flight are kept aside and merged on top of its result.
import type { Photo } from '../../../src/shared/api.js';
import type { Envelope } from '../../../src/shared/realtime.js';
import { ApiError, errorMessage } from '../lib/api.js';
import { isEvent } from '../lib/events.js';
import { LiveModel } from '../lib/live-model.js';
import { forgetPhoto, updateOwnPhoto } from './own-photos.js';
import type { FeedSource } from './photos-api.js';
import { mergePhotos, patchPhoto, withoutPhoto } from './photo-list.js';

export interface FeedState {
  items: Photo[];
  /** Cursor for older photos; null when the oldest is shown. */
  next: string | null;
  loaded: boolean;
  loadingMore: boolean;
  error: string | null;
  /** The wall does not exist (404, or NOT_FOUND on subscribe). */
  missing: boolean;
}

export interface FeedHooks {
  /** Every event of the stream, after the wall took what it needs (counts next to the wall). */
  onEvent?(env: Envelope): void;
  /** Runs with every refetch, for whatever else the page shows next to the wall. */
  onReset?(): void;
}

export class FeedModel extends LiveModel<FeedState> {
  private liveSinceReset: Photo[] = [];
  private deletedSinceReset = new Set<string>();

  constructor(
    readonly source: FeedSource,
    private readonly hooks: FeedHooks = {},
  ) {
    super({ items: [], next: null, loaded: false, loadingMore: false, error: null, missing: false });
  }

  /** Returns the cleanup to run when the wall is left. */
  start(): () => void {
    return this.startLive(this.source.stream, {
      onEvent: (env) => this.handleEvent(env),
      onError: (err) => this.patch(err.code === 'NOT_FOUND' ? { missing: true, loaded: true } : { error: err.message, loaded: true }),
    });
  }

  async refetch(): Promise<void> {
    const gen = this.nextGeneration();
    this.liveSinceReset = [];
    this.deletedSinceReset = new Set();
    this.hooks.onReset?.();
    try {
      const page = await this.source.fetchPage();
      if (this.stale(gen)) return;
      // Only the newest page plus what came live: older pages loaded before might no longer join
      // up with it, and a gap would be worse than loading more again.
      const items = mergePhotos(page.items, this.liveSinceReset).filter((p) => !this.deletedSinceReset.has(p.id));
      this.patch({ items, next: page.next, loaded: true, error: null, missing: false });
    } catch (err) {
      if (this.stale(gen)) return;
      if (err instanceof ApiError && err.status === 404) this.patch({ missing: true, loaded: true });
      else this.patch({ error: errorMessage(err), loaded: true });
    }
  }

  loadMore(): Promise<void> {
    return this.loadNextPage('loadingMore', (cursor) => this.source.fetchPage(cursor), (page) => ({
      items: mergePhotos(this.store.get().items, page.items),
      next: page.next,
      error: null,
    }));
  }

  /** A change made on this page (a like): the wall shows it without waiting for the stream. */
  update(photo: Photo): void {
    this.patch({ items: patchPhoto(this.store.get().items, photo.id, photo) });
    updateOwnPhoto(photo);
  }

  remove(id: string): void {
    this.deletedSinceReset.add(id);
    this.patch({ items: withoutPhoto(this.store.get().items, id) });
  }

  private handleEvent(env: Envelope): void {
    if (isEvent(env, 'photo.ready')) {
      const { photo } = env.data;
      this.liveSinceReset.push(photo);
      this.patch({ items: mergePhotos(this.store.get().items, [photo]) });
    } else if (isEvent(env, 'photo.deleted')) {
      forgetPhoto(env.data.id);
      this.remove(env.data.id);
    }
    this.hooks.onEvent?.(env);
  }
}

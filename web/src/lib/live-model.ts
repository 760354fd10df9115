// What every live view model (a wall, the cities, the notifications, a chat room) shares: a store
// the components read, one stream whose onReset triggers the HTTP fetch, so nothing can fall
// between the page and the stream, and generations, so that the answer to a fetch begun before a
// newer refetch, or before the view was left, is dropped instead of overwriting newer state.
import { errorMessage } from './api.js';
import { live, type StreamHandlers } from './live.js';
import { createStore, type Store } from './store.js';

/** What `loadNextPage` needs of a model's state. */
interface PagedState {
  /** Cursor for the next (older) page; null when the oldest is shown. */
  next: string | null;
  error: string | null;
}

/** The keys of `S` whose values are booleans: the flags that can say a load is under way. */
type FlagOf<S> = { [K in keyof S]: S[K] extends boolean ? K : never }[keyof S];

export abstract class LiveModel<S extends object> {
  readonly store: Store<S>;
  private generation = 0;
  private left = false;

  constructor(initial: S) {
    this.store = createStore<S>(initial);
  }

  /** Fetches the newest state over HTTP and merges what came live meanwhile. */
  abstract refetch(): Promise<void>;

  /** Subscribes to `stream`; returns the cleanup to run when the view is left. */
  protected startLive(stream: string, handlers: Omit<StreamHandlers, 'onReset'>): () => void {
    const unsubscribe = live.subscribe(stream, { ...handlers, onReset: () => void this.refetch() });
    // Offline at first: show what HTTP has now; the first subscribe refetches anyway.
    if (!live.connected) void this.refetch();
    return () => {
      this.left = true;
      unsubscribe();
    };
  }

  /** The view was left: nothing may change its state any more. */
  protected get closed(): boolean {
    return this.left;
  }

  /** Starts a refetch: answers to fetches begun before it are stale from now on. */
  protected nextGeneration(): number {
    return ++this.generation;
  }

  /** The current generation, for a fetch that must not outlive the next refetch. */
  protected currentGeneration(): number {
    return this.generation;
  }

  protected stale(gen: number): boolean {
    return this.left || gen !== this.generation;
  }

  protected patch(changes: Partial<S>): void {
    if (!this.left) this.store.update((s) => ({ ...s, ...changes }));
  }

  /**
   * Loads the page after the state's `next` cursor, one request at a time, with `busy` set while
   * it is out; `apply` says what the page changes. A refetch meanwhile makes the answer stale: it
   * replaced the list with the newest page, which an older page might no longer join up with.
   */
  protected async loadNextPage<P>(
    this: LiveModel<S & PagedState>,
    busy: FlagOf<S>,
    fetchPage: (cursor: string) => Promise<P>,
    apply: (page: P) => Partial<S & PagedState>,
  ): Promise<void> {
    const state = this.store.get();
    if (!state.next || state[busy]) return;
    const gen = this.generation;
    this.patch({ [busy]: true } as Partial<S & PagedState>);
    try {
      const page = await fetchPage(state.next);
      if (this.stale(gen)) return;
      this.patch({ ...apply(page), [busy]: false } as Partial<S & PagedState>);
    } catch (err) {
      if (!this.stale(gen)) this.patch({ [busy]: false, error: errorMessage(err) } as Partial<S & PagedState>);
    }
  }
}

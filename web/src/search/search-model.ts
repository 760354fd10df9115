// What the search box shows: the answer to the newest query only. Typing waits for a pause
// (DEBOUNCE_MS) before asking, a new keystroke aborts the request in flight, and a sequence
// number drops any answer that still arrives for an older query, so a slow reply never
// overwrites a newer one. The last answer stays on screen while the next one is out, to avoid
// flicker; `resultsFor` says which query it answers.
import type { SearchResults } from '../../../src/shared/api.js';
import { errorMessage } from '../lib/api.js';
import { createStore } from '../lib/store.js';
import { search, SEARCH_MAX } from './search-api.js';

export const DEBOUNCE_MS = 150;

export interface SearchState {
  /** The box's text, trimmed: what is searched for ('' shows nothing). */
  query: string;
  results: SearchResults | null;
  /** The query `results` answers; differs from `query` while a newer one is out. */
  resultsFor: string;
  loading: boolean;
  error: string | null;
}

export type Searcher = (q: string, signal: AbortSignal) => Promise<SearchResults>;

const IDLE: SearchState = { query: '', results: null, resultsFor: '', loading: false, error: null };

export class SearchModel {
  readonly store = createStore<SearchState>(IDLE);
  private seq = 0;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private inFlight: AbortController | null = null;

  constructor(
    private readonly searcher: Searcher = search,
    private readonly delayMs = DEBOUNCE_MS,
  ) {}

  setQuery(text: string): void {
    const query = text.trim().slice(0, SEARCH_MAX);
    // A space typed after a word changes nothing worth a request.
    if (query === this.store.get().query) return;
    const seq = this.cancel();
    if (!query) {
      this.store.set(IDLE);
      return;
    }
    this.store.update((s) => ({ ...s, query, loading: true }));
    this.timer = setTimeout(() => void this.run(query, seq), this.delayMs);
  }

  /** The box is being left for good: nothing may change the state any more. */
  dispose(): void {
    this.cancel();
  }

  /** Stops the pending and in-flight searches; returns the sequence number of the next one. */
  private cancel(): number {
    clearTimeout(this.timer);
    this.inFlight?.abort();
    this.inFlight = null;
    return ++this.seq;
  }

  private async run(query: string, seq: number): Promise<void> {
    const ctl = new AbortController();
    this.inFlight = ctl;
    try {
      const results = await this.searcher(query, ctl.signal);
      if (seq !== this.seq) return;
      this.store.set({ query, results, resultsFor: query, loading: false, error: null });
    } catch (err) {
      if (seq !== this.seq || ctl.signal.aborted) return;
      this.store.set({ query, results: null, resultsFor: '', loading: false, error: `Search failed: ${errorMessage(err)}` });
    } finally {
      if (this.inFlight === ctl) this.inFlight = null;
    }
  }
}

// The moderation queue: the open reports over HTTP plus the `moderation` stream, where new reports
// arrive (`report.created`) and resolved ones leave (`report.resolved`), whoever resolved them.
// Events that arrive while a fetch is out are applied on top of its answer.
import type { ModerationItem } from '../../../src/shared/community.js';
import { ApiError, errorMessage } from '../lib/api.js';
import { isEvent } from '../lib/events.js';
import { LiveModel } from '../lib/live-model.js';
import { fetchQueue } from './moderation-api.js';

export interface QueueState {
  /** Oldest report first, as the server pages them. */
  items: ModerationItem[];
  next: string | null;
  loaded: boolean;
  loadingMore: boolean;
  error: string | null;
  /** The viewer is not (or no longer) staff. */
  forbidden: boolean;
}

export class QueueModel extends LiveModel<QueueState> {
  private createdSinceFetch: ModerationItem[] = [];
  private resolvedSinceFetch = new Set<string>();

  constructor() {
    super({ items: [], next: null, loaded: false, loadingMore: false, error: null, forbidden: false });
  }

  start(): () => void {
    return this.startLive('moderation', {
      onEvent: (env) => {
        if (isEvent(env, 'report.created')) this.add(env.data);
        else if (isEvent(env, 'report.resolved')) this.resolved([env.data.id]);
      },
      onError: (err) => this.patch(err.code === 'FORBIDDEN' || err.code === 'UNAUTHENTICATED' ? { forbidden: true, loaded: true } : { error: err.message }),
    });
  }

  async refetch(): Promise<void> {
    const gen = this.nextGeneration();
    this.createdSinceFetch = [];
    this.resolvedSinceFetch = new Set();
    try {
      const page = await fetchQueue(null);
      if (this.stale(gen)) return;
      this.patch({ items: this.withoutResolved(merge(page.items, this.createdSinceFetch)), next: page.next, loaded: true, error: null, forbidden: false });
    } catch (err) {
      if (this.stale(gen)) return;
      if (err instanceof ApiError && (err.status === 403 || err.status === 401)) this.patch({ forbidden: true, loaded: true });
      else this.patch({ error: errorMessage(err), loaded: true });
    }
  }

  loadMore(): Promise<void> {
    return this.loadNextPage('loadingMore', (cursor) => fetchQueue(cursor), (page) => ({
      items: this.withoutResolved(merge(this.store.get().items, page.items)),
      next: page.next,
      error: null,
    }));
  }

  /** Reports that left the queue (an event, or the answer to this page's own action). */
  resolved(ids: readonly string[]): void {
    for (const id of ids) this.resolvedSinceFetch.add(id);
    this.patch({ items: this.withoutResolved(this.store.get().items) });
  }

  private add(item: ModerationItem): void {
    if (this.closed || this.resolvedSinceFetch.has(item.report.id)) return;
    this.createdSinceFetch.push(item);
    this.patch({ items: merge(this.store.get().items, [item]) });
  }

  private withoutResolved(items: ModerationItem[]): ModerationItem[] {
    return items.filter((i) => !this.resolvedSinceFetch.has(i.report.id));
  }
}

/** Union by report id, oldest first; later copies win. */
function merge(...lists: readonly ModerationItem[][]): ModerationItem[] {
  const byId = new Map<string, ModerationItem>();
  for (const list of lists) for (const item of list) byId.set(item.report.id, item);
  return [...byId.values()].sort((a, b) => compareIds(a.report.id, b.report.id));
}

function compareIds(a: string, b: string): number {
  return a.length - b.length || (a < b ? -1 : a > b ? 1 : 0);
}

// The admin page: the overview over HTTP, instances kept live from the `system` stream's
// heartbeats, and the queues re-read every few seconds (their depths are not pushed). Times are
// kept on this browser's clock: the server's `seenAt` is shifted by the difference of the clocks.
import type { AdminOverview, LiveInstance } from '../../../src/shared/api.js';
import { ApiError, errorMessage } from '../lib/api.js';
import { isEvent } from '../lib/events.js';
import { LiveModel } from '../lib/live-model.js';
import { fetchOverview, retryDead } from './admin-api.js';

/** An instance silent for longer than this is gone (the server forgets it at the same age). */
export const SILENT_MS = 15_000;
const REFRESH_MS = 5_000;
const TICK_MS = 1_000;

export interface AdminState extends Omit<AdminOverview, 'now'> {
  loaded: boolean;
  error: string | null;
  /** The server refused: the viewer is not (or no longer) an admin. */
  forbidden: boolean;
  /** This browser's clock, ticking, so "last seen" ages on screen. */
  now: number;
}

export class AdminModel extends LiveModel<AdminState> {
  /** Heartbeats since the last fetch began, so an answer from before them cannot undo them. */
  private liveSinceFetch: LiveInstance[] = [];

  constructor() {
    super({ instances: [], queues: [], queuesError: null, dead: [], loaded: false, error: null, forbidden: false, now: Date.now() });
  }

  start(): () => void {
    const stopLive = this.startLive('system', {
      onEvent: (env) => {
        if (isEvent(env, 'instance.stats')) this.upsert({ ...env.data, seenAt: Date.now() });
        else if (isEvent(env, 'instance.stopping')) this.remove(env.data.instance);
      },
      onError: (error) => this.patch(error.code === 'FORBIDDEN' ? { forbidden: true } : { error: error.message }),
    });
    const tick = setInterval(() => this.tick(), TICK_MS);
    const refresh = setInterval(() => void this.refetch(), REFRESH_MS);
    return () => {
      clearInterval(tick);
      clearInterval(refresh);
      stopLive();
    };
  }

  async refetch(): Promise<void> {
    const gen = this.nextGeneration();
    this.liveSinceFetch = [];
    try {
      const o = await fetchOverview();
      if (this.stale(gen)) return;
      const skew = Date.now() - o.now;
      const fetched = o.instances.map((i) => ({ ...i, seenAt: i.seenAt + skew }));
      this.patch({
        instances: pruned(merge(fetched, this.liveSinceFetch), Date.now()),
        queues: o.queues,
        queuesError: o.queuesError,
        dead: o.dead,
        loaded: true,
        error: null,
        forbidden: false,
      });
    } catch (err) {
      if (this.stale(gen)) return;
      if (err instanceof ApiError && err.status === 403) this.patch({ forbidden: true, loaded: true });
      else this.patch({ error: errorMessage(err), loaded: true });
    }
  }

  /** Moves a queue's dead jobs back to it; resolves with how many moved. */
  async retry(queue: string): Promise<number> {
    const { moved } = await retryDead(queue);
    void this.refetch();
    return moved;
  }

  private upsert(inst: LiveInstance): void {
    this.liveSinceFetch = merge(this.liveSinceFetch, [inst]);
    this.patch({ instances: merge(this.store.get().instances, [inst]) });
  }

  private remove(instance: string): void {
    this.liveSinceFetch = this.liveSinceFetch.filter((i) => i.instance !== instance);
    this.patch({ instances: this.store.get().instances.filter((i) => i.instance !== instance) });
  }

  private tick(): void {
    const now = Date.now();
    const { instances } = this.store.get();
    const kept = pruned(instances, now);
    this.patch(kept.length === instances.length ? { now } : { now, instances: kept });
  }
}

/** By instance, the newest beat wins; the order stays stable (oldest instance first). */
function merge(base: LiveInstance[], newer: LiveInstance[]): LiveInstance[] {
  const byId = new Map(base.map((i) => [i.instance, i]));
  for (const inst of newer) {
    const known = byId.get(inst.instance);
    if (!known || known.seenAt <= inst.seenAt) byId.set(inst.instance, inst);
  }
  return [...byId.values()].sort((a, b) => b.uptimeS - a.uptimeS || a.instance.localeCompare(b.instance));
}

function pruned(instances: LiveInstance[], now: number): LiveInstance[] {
  return instances.filter((i) => now - i.seenAt <= SILENT_MS);
}

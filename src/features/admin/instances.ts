// What one instance knows of all the others: the latest heartbeat of each, from the `system`
// stream. An instance silent for longer than a few heartbeats, or that said it is stopping, is gone.
import type { LiveInstance } from '../../shared/api.js';
import type { Envelope } from '../../shared/realtime.js';

export const SILENT_MS = 15_000;

export class InstanceDirectory {
  private readonly live = new Map<string, LiveInstance>();
  /** Instances that said they are stopping: a heartbeat that raced the announcement must not revive them. */
  private readonly stopped = new Map<string, number>();

  constructor(private readonly now: () => number = Date.now) {}

  seen(env: Envelope): void {
    const at = this.now();
    if (env.type === 'instance.stats') {
      const stats = (env as Envelope<'instance.stats'>).data;
      if (!this.stopped.has(stats.instance)) this.live.set(stats.instance, { ...stats, seenAt: at });
    } else if (env.type === 'instance.stopping') {
      const { instance } = (env as Envelope<'instance.stopping'>).data;
      this.live.delete(instance);
      this.stopped.set(instance, at);
    }
  }

  /** The live instances, oldest first. */
  list(): LiveInstance[] {
    const cutoff = this.now() - SILENT_MS;
    for (const [id, inst] of this.live) if (inst.seenAt < cutoff) this.live.delete(id);
    for (const [id, at] of this.stopped) if (at < cutoff) this.stopped.delete(id);
    return [...this.live.values()].sort((a, b) => b.uptimeS - a.uptimeS || a.instance.localeCompare(b.instance));
  }
}

// Every instance (web and worker) says how it is doing on the `system` stream every few seconds:
// the admin page's live list of instances, and the way a worker (which has no HTTP server, so no
// /metrics) reports its job throughput.
import { monitorEventLoopDelay, type IntervalHistogram } from 'node:perf_hooks';
import type { RealtimeBus } from '../ports/bus.js';
import type { JobName, JobObserver, JobOutcome } from '../ports/jobs.js';
import type { InstanceRole, InstanceStats } from '../shared/realtime.js';

export const HEARTBEAT_MS = 5_000;

export interface HeartbeatDeps {
  bus: RealtimeBus;
  instance: string;
  roles: InstanceRole[];
  mode: InstanceStats['mode'];
  connections(): number;
  intervalMs?: number;
  log?: { warn(obj: object, msg: string): void };
}

export class Heartbeat implements JobObserver {
  private readonly loopDelay: IntervalHistogram = monitorEventLoopDelay({ resolution: 10 });
  private jobs = new Map<string, { processed: number; failed: number }>();
  private timer: NodeJS.Timeout | undefined;
  private last = Date.now();

  constructor(private readonly deps: HeartbeatDeps) {}

  /** Beats now (so the instance shows at once) and then every interval. */
  start(): void {
    if (this.timer) return;
    this.loopDelay.enable();
    this.last = Date.now();
    void this.beat();
    this.timer = setInterval(() => void this.beat(), this.deps.intervalMs ?? HEARTBEAT_MS);
    this.timer.unref();
  }

  /** Before `instance.stopping`: no beat may follow it. */
  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
    this.loopDelay.disable();
  }

  started(): void {}

  finished(name: JobName, outcome: JobOutcome): void {
    let tally = this.jobs.get(name);
    if (!tally) this.jobs.set(name, (tally = { processed: 0, failed: 0 }));
    tally.processed += 1;
    if (outcome !== 'done') tally.failed += 1;
  }

  /** This interval's figures; starts the next interval. */
  sample(): InstanceStats {
    const now = Date.now();
    const memory = process.memoryUsage();
    // Nanoseconds; a histogram without samples (a beat right after start) says 0.
    const p99 = this.loopDelay.count > 0 ? this.loopDelay.percentile(99) / 1e6 : 0;
    const stats: InstanceStats = {
      instance: this.deps.instance,
      roles: this.deps.roles,
      mode: this.deps.mode,
      uptimeS: Math.round(process.uptime()),
      connections: this.deps.connections(),
      memory: { rss: memory.rss, heapUsed: memory.heapUsed },
      eventLoopLagMs: Math.round(p99 * 100) / 100,
      intervalMs: now - this.last,
      jobs: Object.fromEntries(this.jobs),
    };
    this.loopDelay.reset();
    this.jobs = new Map();
    this.last = now;
    return stats;
  }

  private async beat(): Promise<void> {
    try {
      await this.deps.bus.publish('system', 'instance.stats', this.sample());
    } catch (err) {
      this.deps.log?.warn({ err }, 'publishing instance stats failed');
    }
  }
}

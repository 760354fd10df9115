// The readiness watchdog of a web instance. /readyz alone only answers when the load balancer asks,
// and nothing else happens when Redis or PostgreSQL become unreachable: with a silent partition
// (packets dropped, no reset) the instance keeps its sockets, whose clients then hear nothing while
// every other instance carries on. The watchdog checks the dependencies on its own clock; once the
// ones the instance cannot serve without have failed for a grace period, it declares the instance
// not ready (so /readyz answers 503 at once and the load balancer takes it out), and the composition
// root drops its sockets so their clients resume on another instance. When the checks pass again,
// the instance is ready again by itself.
import { afterDeadline, type HealthReport } from '../adapters/health.js';

export const READINESS = {
  /** How often the dependencies are checked. */
  everyMs: 1_000,
  /** One check round that has not answered by then counts as failed. */
  checkTimeoutMs: 1_500,
  /**
   * How long the dependencies must keep failing before the instance gives up its clients: a
   * blip (a failover, one lost packet) must not move every socket, a real partition must.
   */
  graceMs: 2_500,
} as const;

export interface ReadinessOptions {
  /** The dependency checks (adapters.health), each with its own deadline. */
  health: () => Promise<HealthReport>;
  /** Dependencies whose failure only degrades the instance (see CAN_SERVE_WITHOUT in http/health.ts). */
  optional: ReadonlySet<string>;
  /** Called on every change: false when the instance gives up, true when it is back. */
  onChange: (ready: boolean, report: HealthReport) => void;
  log?: { warn(obj: object, msg: string): void; info(obj: object, msg: string): void };
  everyMs?: number;
  checkTimeoutMs?: number;
  graceMs?: number;
}

/** The state the watchdog keeps between rounds. */
export interface ReadinessState {
  ready: boolean;
  /** When the current run of failed rounds began; undefined while the checks pass. */
  failingSince: number | undefined;
}

/**
 * One step of the state machine: a failed round starts (or continues) the grace, and ends readiness
 * once the grace has run out; a passing round makes the instance ready at once.
 */
export function nextReadiness(state: ReadinessState, round: { at: number; failing: boolean }, graceMs: number): ReadinessState {
  if (!round.failing) return { ready: true, failingSince: undefined };
  const failingSince = state.failingSince ?? round.at;
  return { ready: state.ready && round.at - failingSince < graceMs, failingSince };
}

/** The dependencies in `report` that are down and that the instance cannot serve without. */
export function criticalFailures(report: HealthReport, optional: ReadonlySet<string>): string[] {
  return Object.keys(report).filter((name) => report[name] !== 'ok' && !optional.has(name));
}

export class Readiness {
  private state: ReadinessState = { ready: true, failingSince: undefined };
  private last: HealthReport = {};
  private timer: NodeJS.Timeout | undefined;
  private running = false;
  /** A health() call that has not settled: the next round waits on it rather than piling up another. */
  private pending: Promise<HealthReport> | undefined;
  private readonly everyMs: number;
  private readonly checkTimeoutMs: number;
  private readonly graceMs: number;

  constructor(private readonly opts: ReadinessOptions) {
    this.everyMs = opts.everyMs ?? READINESS.everyMs;
    this.checkTimeoutMs = opts.checkTimeoutMs ?? READINESS.checkTimeoutMs;
    this.graceMs = opts.graceMs ?? READINESS.graceMs;
  }

  /** An instance starts ready: it opened every dependency on its way up. */
  get ready(): boolean {
    return this.state.ready;
  }

  /** The last round's report; while not ready, it names at least one critical dependency that is down. */
  get report(): HealthReport {
    return this.last;
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.schedule(this.everyMs);
  }

  stop(): void {
    this.running = false;
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  /** Runs one round now (the timer's rounds call this too); resolves once its outcome is applied. */
  async check(): Promise<void> {
    const at = Date.now();
    const report = await this.round();
    this.last = report;
    const failing = criticalFailures(report, this.opts.optional);
    const before = this.state;
    this.state = nextReadiness(before, { at, failing: failing.length > 0 }, this.graceMs);
    if (before.failingSince === undefined && this.state.failingSince !== undefined) {
      this.opts.log?.warn({ failing, report }, 'readiness: a dependency is failing; giving up the clients if it lasts');
    }
    if (before.ready === this.state.ready) return;
    if (this.state.ready) this.opts.log?.info({ report }, 'readiness: dependencies answer again; accepting clients');
    else this.opts.log?.warn({ failing, report, graceMs: this.graceMs }, 'readiness: dependencies failed past the grace; not ready, dropping clients');
    this.opts.onChange(this.state.ready, report);
  }

  private schedule(delayMs: number): void {
    if (!this.running) return;
    this.timer = setTimeout(() => {
      const started = Date.now();
      this.check()
        .catch((err: unknown) => this.opts.log?.warn({ err }, 'readiness: a round failed'))
        .finally(() => this.schedule(Math.max(0, this.everyMs - (Date.now() - started))));
    }, delayMs);
    this.timer.unref();
  }

  /** health(), bounded by the round's deadline; a call still running from before is waited on, not repeated. */
  private async round(): Promise<HealthReport> {
    if (!this.pending) {
      const call = this.opts.health().catch((err: unknown) => ({ health: `down: ${err instanceof Error ? err.message : String(err)}` }));
      this.pending = call;
      void call.finally(() => {
        if (this.pending === call) this.pending = undefined;
      });
    }
    const deadline = afterDeadline(this.checkTimeoutMs, () => this.timedOut());
    try {
      return await Promise.race([this.pending, deadline.promise]);
    } finally {
      deadline.cancel();
    }
  }

  /** A round without an answer: every critical dependency last seen counts as down, or `health` if none is known yet. */
  private timedOut(): HealthReport {
    const reason = `down: no answer within ${this.checkTimeoutMs} ms`;
    const names = Object.keys(this.last).filter((name) => !this.opts.optional.has(name));
    if (names.length === 0) return { health: reason };
    return { ...this.last, ...Object.fromEntries(names.map((name) => [name, reason])) };
  }
}

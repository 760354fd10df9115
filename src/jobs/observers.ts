// The observers of one job runner. A failing observer is a bug in metrics, never a reason for a job
// to fail, so what it throws stops here.
import type { JobName, JobObserver, JobOutcome } from '../ports/jobs.js';

export class JobObservers implements JobObserver {
  private readonly list: JobObserver[] = [];

  add(observer: JobObserver): void {
    this.list.push(observer);
  }

  started(name: JobName, lagMs: number | null): void {
    // Clocks of different hosts disagree a little: a job is never due in the future.
    const lag = lagMs === null ? null : Math.max(0, lagMs);
    for (const o of this.list) safely(() => o.started(name, lag));
  }

  finished(name: JobName, outcome: JobOutcome, durationMs: number): void {
    for (const o of this.list) safely(() => o.finished(name, outcome, durationMs));
  }
}

function safely(fn: () => void): void {
  try {
    fn();
  } catch {
    // see above
  }
}

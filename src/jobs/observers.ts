// The observers of one job runner. A failing observer is a bug in metrics, never a reason for a job
// to fail, so what it throws stops here.
import type { JobName, JobObserver, JobOutcome } from '../ports/jobs.js';

export class JobObservers implements JobObserver {
  private readonly list: JobObserver[] = [];

  add(observer: JobObserver): void {
    this.list.push(observer);
  }

  started(name: JobName, lagMs: number): void {
    for (const o of this.list) safely(() => o.started(name, Math.max(0, lagMs)));
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

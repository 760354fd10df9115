// The admin page's data: live instances (from heartbeats), the job queues (from the job port) and
// what was dead-lettered, and the one action on it: retry a queue's dead jobs.
import { errors } from '../../errors.js';
import { JOB_NAMES, type JobName, type JobRunner, type QueueInfo } from '../../ports/jobs.js';
import type { AdminOverview, DeadJobInfo, LiveInstance, QueueOverview, RetryDeadResult } from '../../shared/api.js';
import type { InstanceDirectory } from './instances.js';

/** Dead jobs listed per queue: the page shows a sample, the count says how many there are. */
const DEAD_SAMPLE = 10;
/** The overview answers even when the broker does not. */
const QUEUES_TIMEOUT_MS = 2_000;

export interface AdminDeps {
  jobs: JobRunner;
  instances: InstanceDirectory;
}

export class AdminService {
  constructor(private readonly deps: AdminDeps) {}

  async overview(): Promise<AdminOverview> {
    const instances = this.deps.instances.list();
    let queues: QueueInfo[] = [];
    let queuesError: string | null = null;
    let dead: DeadJobInfo[] = [];
    try {
      queues = await deadline(this.deps.jobs.inspect(JOB_NAMES), QUEUES_TIMEOUT_MS);
      const samples = await deadline(
        Promise.all(queues.filter((q) => q.dead > 0).map((q) => this.deps.jobs.deadJobs(q.name, DEAD_SAMPLE))),
        QUEUES_TIMEOUT_MS,
      );
      dead = samples.flat().map((j) => ({ id: j.id, queue: j.name, error: j.error, attempts: j.attempts }));
    } catch (err) {
      queuesError = err instanceof Error ? err.message : String(err);
    }
    return { instances, queues: queues.map((q) => withRates(q, instances)), queuesError, dead, now: Date.now() };
  }

  async retryDead(queue: string): Promise<RetryDeadResult> {
    // Only a name from the list reaches the broker or the database.
    const name = JOB_NAMES.find((n) => n === queue);
    if (!name) throw errors.notFound('That queue');
    return { queue: name, moved: await this.deps.jobs.retryDead(name as JobName) };
  }
}

/** Attempts per second across the live workers, from each one's last heartbeat. */
function withRates(q: QueueInfo, instances: LiveInstance[]): QueueOverview {
  let rate = 0;
  let failed = 0;
  for (const inst of instances) {
    const tally = inst.jobs[q.name];
    if (!tally || inst.intervalMs <= 0) continue;
    rate += tally.processed / (inst.intervalMs / 1000);
    failed += tally.failed / (inst.intervalMs / 1000);
  }
  const round = (n: number) => Math.round(n * 100) / 100;
  return { name: q.name, depth: q.depth, consumers: q.consumers, dead: q.dead, ratePerS: round(rate), failedPerS: round(failed) };
}

function deadline<T>(p: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`the job queues did not answer within ${ms / 1000} s`)), ms);
  });
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}

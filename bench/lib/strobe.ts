// Strobe as the benchmarks run it: a real local cluster (web instances and workers as processes,
// behind HAProxy) on the machine's PostgreSQL, Redis and RabbitMQ, in a database, vhost, key prefix
// and data dir of its own, all removed by `stop()`. It runs the sources with tsx, like the e2e
// tests, so no stale build is measured; after start-up the code that runs is the same.
import { isolatedCluster, type IsolatedCluster } from '../../test/helpers/cluster.js';

export interface BenchCluster extends IsolatedCluster {
  /** The load balancer. */
  url: string;
}

export interface BenchClusterOptions {
  web: number;
  workers: number;
  env?: Record<string, string>;
  /** Extra node flags for every instance, e.g. `--cpu-prof` when profiling. */
  nodeFlags?: string[];
}

export async function startBenchCluster(opts: BenchClusterOptions): Promise<BenchCluster> {
  const started = await isolatedCluster({ ...opts, purpose: 'bench', nodeEnv: 'production', keepLines: 200 });
  return { ...started, url: started.cluster.url };
}

/** Runs `fn` and always cleans up, also on Ctrl-C: a benchmark leaves nothing behind. */
export async function withCleanup<T>(cleanups: (() => Promise<void>)[], fn: () => Promise<T>): Promise<T> {
  const onSignal = () => {
    void Promise.allSettled(cleanups.map((c) => c())).then(() => process.exit(130));
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    return await fn();
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    await Promise.allSettled(cleanups.map((c) => c()));
  }
}

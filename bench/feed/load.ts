// autocannon (programmatic API) with the few fields the feed benchmark reads, typed here because
// the package ships no types.
import { createRequire } from 'node:module';

interface Histogram {
  average: number;
  p50: number;
  p75: number;
  p90: number;
  p97_5: number;
  p99: number;
  max: number;
}

interface AutocannonResult {
  requests: Histogram & { total: number };
  latency: Histogram;
  duration: number;
  errors: number;
  timeouts: number;
  non2xx: number;
}

interface AutocannonOptions {
  url: string;
  connections: number;
  duration: number;
  headers?: Record<string, string>;
  timeout?: number;
}

const autocannon = createRequire(import.meta.url)('autocannon') as (opts: AutocannonOptions) => Promise<AutocannonResult>;

export interface LoadFigures {
  /** 2xx answers per second. */
  reqPerSec: number;
  p50Ms: number;
  p75Ms: number;
  p90Ms: number;
  p97_5Ms: number;
  p99Ms: number;
  maxMs: number;
  requests: number;
  errors: number;
  non2xx: number;
}

/** `seconds` of closed-loop load at `connections` connections. */
export async function load(url: string, connections: number, seconds: number, headers: Record<string, string> = {}): Promise<LoadFigures> {
  const r = await autocannon({ url, connections, duration: seconds, headers, timeout: 10 });
  return {
    reqPerSec: (r.requests.total - r.non2xx) / r.duration,
    p50Ms: r.latency.p50,
    p75Ms: r.latency.p75,
    p90Ms: r.latency.p90,
    p97_5Ms: r.latency.p97_5,
    p99Ms: r.latency.p99,
    maxMs: r.latency.max,
    requests: r.requests.total,
    errors: r.errors + r.timeouts,
    non2xx: r.non2xx,
  };
}

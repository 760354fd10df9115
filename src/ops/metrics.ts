// Prometheus metrics of one instance, in a registry of its own: tests build several apps in one
// process, and each must count only its own traffic. The default process metrics (memory, CPU,
// event-loop lag, GC) describe the process, so they are collected once per process, in a registry
// of their own (never prom-client's global one), and served beside every app's. Served at /metrics
// by web instances; workers report through instance.stats heartbeats instead (see heartbeat.ts).
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { JobName, JobObserver, JobOutcome, QueueInfo } from '../ports/jobs.js';
import type { Envelope } from '../shared/realtime.js';

export interface MetricSources {
  /** Realtime connections open on this instance now. */
  connections(): number;
  /** The job queues, read at scrape time. */
  queues(): Promise<QueueInfo[]>;
  /** First home pages answered from the page kept in memory, and built by the query (home-pages.ts). */
  homePages?(): { kept: number; built: number };
}

/** A scrape reads the queues once for all the queue gauges. */
const QUEUES_FRESH_MS = 1_000;
/** A broker that does not answer must not hold up the scrape. */
const QUEUES_TIMEOUT_MS = 1_000;

let processRegistry: Registry | undefined;

/** Created on first use: each collection starts event-loop and GC monitors that never stop. */
function processMetrics(): Registry {
  if (!processRegistry) {
    processRegistry = new Registry();
    collectDefaultMetrics({ register: processRegistry });
  }
  return processRegistry;
}

export class Metrics {
  readonly registry = new Registry();
  private readonly deliveredTotal: Counter<'type'>;
  private readonly deliveryLatency: Histogram;
  private readonly httpDuration: Histogram<'method' | 'route' | 'status_code'>;
  private readonly jobLag: Histogram<'queue'>;
  private readonly jobDuration: Histogram<'queue' | 'outcome'>;
  private queuesRead: { at: number; result: Promise<QueueInfo[] | null> } | undefined;

  constructor(private readonly sources: MetricSources) {
    const registers = [this.registry];
    processMetrics();
    new Gauge({
      name: 'strobe_realtime_connections',
      help: 'Realtime (Socket.IO) connections open on this instance.',
      registers,
      collect() {
        this.set(sources.connections());
      },
    });
    if (sources.homePages) {
      const homePages = sources.homePages;
      new Counter({
        name: 'strobe_home_page_reads_total',
        help: 'First home pages read on this instance: answered from the page kept in memory (kept), or built by the page query (built).',
        labelNames: ['result'],
        registers,
        collect() {
          const { kept, built } = homePages();
          this.reset();
          this.inc({ result: 'kept' }, kept);
          this.inc({ result: 'built' }, built);
        },
      });
    }
    this.deliveredTotal = new Counter({
      name: 'strobe_realtime_events_delivered_total',
      help: 'Events sent to sockets, one per receiving socket (live, replayed on resume, or held during a subscribe).',
      labelNames: ['type'],
      registers,
    });
    this.deliveryLatency = new Histogram({
      name: 'strobe_realtime_delivery_latency_seconds',
      help: 'From an event being published on the bus to this instance sending it to its sockets (live events).',
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers,
    });
    this.httpDuration = new Histogram({
      name: 'strobe_http_request_duration_seconds',
      help: 'HTTP requests by method, route pattern and status code.',
      labelNames: ['method', 'route', 'status_code'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers,
    });
    this.jobLag = new Histogram({
      name: 'strobe_job_queue_lag_seconds',
      help: 'How long a job waited in its queue after it became due (its enqueue, or the end of a retry back-off) until an attempt started.',
      labelNames: ['queue'],
      buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 1800, 3600],
      registers,
    });
    this.jobDuration = new Histogram({
      name: 'strobe_job_duration_seconds',
      help: 'Job attempts run by this instance, by queue and outcome (done, retry, dead).',
      labelNames: ['queue', 'outcome'],
      buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
      registers,
    });
    const queues = () => this.readQueues();
    new Gauge({
      name: 'strobe_job_queue_depth',
      help: 'Jobs ready to run, waiting in each queue.',
      labelNames: ['queue'],
      registers,
      async collect() {
        this.reset();
        for (const q of (await queues()) ?? []) this.set({ queue: q.name }, q.depth);
      },
    });
    new Gauge({
      name: 'strobe_job_queue_consumers',
      help: 'Consumers attached to each queue.',
      labelNames: ['queue'],
      registers,
      async collect() {
        this.reset();
        for (const q of (await queues()) ?? []) this.set({ queue: q.name }, q.consumers);
      },
    });
    new Gauge({
      name: 'strobe_job_dead_letters',
      help: 'Jobs dead-lettered after their last attempt, in each queue.',
      labelNames: ['queue'],
      registers,
      async collect() {
        this.reset();
        for (const q of (await queues()) ?? []) this.set({ queue: q.name }, q.dead);
      },
    });
  }

  /** Called by the hub for every event it sends: `sockets` receivers, `live` unless replayed or held. */
  delivered(env: Envelope, sockets: number, live: boolean): void {
    if (sockets <= 0) return;
    this.deliveredTotal.inc({ type: env.type }, sockets);
    if (live) this.deliveryLatency.observe(Math.max(0, Date.now() - env.ts) / 1000);
  }

  httpRequest(method: string, route: string, statusCode: number, ms: number): void {
    this.httpDuration.observe({ method, route, status_code: String(statusCode) }, ms / 1000);
  }

  readonly jobs: JobObserver = {
    started: (name: JobName, lagMs: number | null) => {
      if (lagMs !== null) this.jobLag.observe({ queue: name }, lagMs / 1000);
    },
    finished: (name: JobName, outcome: JobOutcome, ms: number) => this.jobDuration.observe({ queue: name, outcome }, ms / 1000),
  };

  /** The Prometheus text exposition: the process's metrics, then this app's. */
  async text(): Promise<string> {
    const [proc, app] = await Promise.all([processMetrics().metrics(), this.registry.metrics()]);
    return `${proc}\n${app}`;
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  /** A broker that is down leaves the queue gauges empty rather than failing the whole scrape. */
  private readQueues(): Promise<QueueInfo[] | null> {
    const now = Date.now();
    if (!this.queuesRead || now - this.queuesRead.at > QUEUES_FRESH_MS) {
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<null>((resolve) => (timer = setTimeout(() => resolve(null), QUEUES_TIMEOUT_MS)));
      const read = this.sources.queues().catch(() => null);
      this.queuesRead = { at: now, result: Promise.race([read, timeout]).finally(() => clearTimeout(timer)) };
    }
    return this.queuesRead.result;
  }
}

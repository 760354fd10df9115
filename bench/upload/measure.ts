// The measuring side of the upload benchmark: uploads at an offered rate (open loop: each POST
// starts on schedule, whether or not the previous ones have finished), the two sockets that watch
// for `photo.ready`, the pipeline stages read back from the database, and CPU time per process.
import { readFileSync } from 'node:fs';
import pg from 'pg';
import type { Envelope } from '../../src/shared/realtime.js';
import type { Photo } from '../../src/shared/api.js';
import type { TestSocket } from '../../test/helpers/sockets.js';
import { percentile, round } from '../lib/results.js';

export const now = () => performance.timeOrigin + performance.now();

export interface Sighting {
  /** When the client received the envelope (epoch ms). */
  at: number;
  /** The envelope's publish time (epoch ms, from the Redis stream id). */
  ts: number;
}

/** `photo.ready` envelopes by photo id, as they arrive on a socket. */
export class Watcher {
  readonly seen = new Map<string, Sighting>();
  private waiters = new Set<() => void>();

  constructor(socket: TestSocket, stream: string) {
    socket.socket.on('event', (env: Envelope) => {
      if (env.type !== 'photo.ready' || env.stream !== stream) return;
      const id = (env.data as { photo: Photo }).photo.id;
      if (!this.seen.has(id)) this.seen.set(id, { at: now(), ts: env.ts });
      for (const w of [...this.waiters]) w();
    });
  }

  /** Resolves when every id was seen, or at the deadline (epoch ms). */
  waitAll(ids: string[], deadline: number): Promise<void> {
    return new Promise((resolve) => {
      const check = () => {
        if (ids.every((id) => this.seen.has(id)) || now() >= deadline) {
          this.waiters.delete(check);
          clearTimeout(timer);
          resolve();
        }
      };
      const timer = setTimeout(check, Math.max(0, deadline - now()) + 1);
      this.waiters.add(check);
      check();
    });
  }
}

export interface Upload {
  /** Start of the POST (epoch ms). */
  sentAt: number;
  /** The 202 (or error) arrived. */
  respondedAt: number;
  status: number;
  id: string | null;
  error?: string;
}

export async function postPhoto(url: string, cookie: string, file: Buffer, caption: string): Promise<Upload> {
  const form = new FormData();
  form.append('caption', caption);
  form.append('file', new Blob([new Uint8Array(file)], { type: 'image/jpeg' }), 'photo.jpg');
  const sentAt = now();
  try {
    const res = await fetch(`${url}/api/photos`, { method: 'POST', headers: { cookie }, body: form, signal: AbortSignal.timeout(30_000) });
    const body = (await res.json()) as { photo?: Photo; error?: { code: string } };
    return { sentAt, respondedAt: now(), status: res.status, id: body.photo?.id ?? null, ...(res.status === 202 ? {} : { error: body.error?.code ?? 'unknown' }) };
  } catch (err) {
    return { sentAt, respondedAt: now(), status: 0, id: null, error: (err as Error).message };
  }
}

export interface Sample {
  upload: Upload;
  home?: Sighting;
  latest?: Sighting;
}

/**
 * Offers `count` uploads at `rate` per second, each as the next uploader in turn with the next
 * distinct photo, then waits (up to `drainMs` after the last POST ends) for every photo on both
 * sockets.
 */
export async function offer(opts: {
  url: string;
  rate: number;
  count: number;
  cookies: string[];
  photo: (n: number) => Buffer;
  next: () => number;
  home: Watcher;
  latest: Watcher;
  drainMs: number;
  onTick?: () => void;
}): Promise<Sample[]> {
  const start = now() + 50;
  const posts: Promise<Upload>[] = [];
  for (let i = 0; i < opts.count; i++) {
    const due = start + (i * 1000) / opts.rate;
    const wait = due - now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    const n = opts.next();
    posts.push(postPhoto(opts.url, opts.cookies[n % opts.cookies.length]!, opts.photo(n), `bench ${n}`));
    opts.onTick?.();
  }
  const uploads = await Promise.all(posts);
  const ids = uploads.flatMap((u) => (u.id ? [u.id] : []));
  const deadline = now() + opts.drainMs;
  await Promise.all([opts.home.waitAll(ids, deadline), opts.latest.waitAll(ids, deadline)]);
  return uploads.map((upload) => ({
    upload,
    ...(upload.id && opts.home.seen.has(upload.id) ? { home: opts.home.seen.get(upload.id)! } : {}),
    ...(upload.id && opts.latest.seen.has(upload.id) ? { latest: opts.latest.seen.get(upload.id)! } : {}),
  }));
}

export interface Latencies {
  home: number[];
  latest: number[];
  /** The later of the two per upload: visible on both. */
  both: number[];
  /** Uploads refused, or never seen on one of the sockets. */
  missing: number;
}

export function latencies(samples: Sample[]): Latencies {
  const out: Latencies = { home: [], latest: [], both: [], missing: 0 };
  for (const s of samples) {
    if (!s.home || !s.latest) {
      out.missing++;
      continue;
    }
    out.home.push(s.home.at - s.upload.sentAt);
    out.latest.push(s.latest.at - s.upload.sentAt);
    out.both.push(Math.max(s.home.at, s.latest.at) - s.upload.sentAt);
  }
  return out;
}

export const stats = (values: number[]) => ({
  n: values.length,
  p50: round(percentile(values, 50)),
  p90: round(percentile(values, 90)),
  p99: round(percentile(values, 99)),
  max: round(percentile(values, 100)),
});

/** The pipeline stages of one upload, in ms, from the client's clocks, the database and the envelopes. */
export const STAGES = {
  'upload (POST start → photo row committed)': 'upload',
  'relay to RabbitMQ (resize job)': 'relay1',
  'queue wait + resize (job sent → ready_at)': 'resize',
  'relay to RabbitMQ (fan-out job)': 'relay2',
  'fan-out job until publish on latest': 'publish',
  'latest: publish → client': 'deliverLatest',
  'home: timeline insert + publish after latest': 'home',
  'home: publish → client': 'deliverHome',
} as const;
export type StageKey = (typeof STAGES)[keyof typeof STAGES];

export async function stages(databaseUrl: string, samples: Sample[]): Promise<Record<StageKey, number[]>> {
  const byId = new Map(samples.filter((s) => s.upload.id && s.home && s.latest).map((s) => [s.upload.id!, s]));
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    const { rows } = await client.query<{ id: string; created: number; ready: number; resize_sent: number; fanout_sent: number }>(
      `select p.id::text,
              extract(epoch from p.created_at) * 1000 as created,
              extract(epoch from p.ready_at) * 1000 as ready,
              extract(epoch from r.finished_at) * 1000 as resize_sent,
              extract(epoch from f.finished_at) * 1000 as fanout_sent
         from photos p
         join jobs r on r.name = 'photo.resize' and r.payload->>'photoId' = p.id::text
         join jobs f on f.name = 'photo.fanout' and f.payload->>'photoId' = p.id::text
        where p.id = any($1::bigint[])`,
      [[...byId.keys()]],
    );
    const out = Object.fromEntries(Object.values(STAGES).map((k) => [k, [] as number[]])) as Record<StageKey, number[]>;
    for (const row of rows) {
      const s = byId.get(row.id)!;
      const [created, ready, resizeSent, fanoutSent] = [row.created, row.ready, row.resize_sent, row.fanout_sent].map(Number) as [number, number, number, number];
      out.upload.push(created - s.upload.sentAt);
      out.relay1.push(resizeSent - created);
      out.resize.push(ready - resizeSent);
      out.relay2.push(fanoutSent - ready);
      out.publish.push(s.latest!.ts - fanoutSent);
      out.deliverLatest.push(s.latest!.at - s.latest!.ts);
      out.home.push(s.home!.ts - s.latest!.ts);
      out.deliverHome.push(s.home!.at - s.home!.ts);
    }
    return out;
  } finally {
    await client.end();
  }
}

const TICK_MS = 1000 / 100; // USER_HZ on Linux

/** CPU time (ms) a process has used so far, from /proc. */
export function cpuMs(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) * TICK_MS; // utime, stime
  } catch {
    return NaN;
  }
}

/** Busy and total CPU time of the whole machine so far (ms, summed over cores). */
export function machineCpuMs(): { busy: number; total: number } {
  const line = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number);
  const total = line.slice(0, 8).reduce((a, b) => a + b, 0);
  const idle = line[3]! + line[4]!;
  return { busy: (total - idle) * TICK_MS, total: total * TICK_MS };
}

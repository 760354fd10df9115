// What the fan-out benchmark's orchestrator (bench/fanout.ts) and its client processes
// (bench/fanout/clients.ts) share: the event payload, the clock, and latency histograms.
import { performance } from 'node:perf_hooks';
import type { Photo } from '../../src/shared/api.js';
import type { Envelope } from '../../src/shared/realtime.js';
import { userRef } from '../../test/helpers/users.js';

/**
 * Diagnostics beside the benchmark's three: `strobe-direct` is Strobe with its clients on the
 * instances' own ports, past HAProxy; `socketio-haproxy` is the socket.io baseline behind HAProxy.
 */
export type Contender = 'strobe' | 'strobe-direct' | 'socketio' | 'socketio-haproxy' | 'ws';

/** One rung of a contender's rate ladder, as the results record it. */
export interface Step {
  /** Offered events per second; each is 2 publishes. */
  rate: number;
  offeredPerS: number;
  deliveredPerS: number;
  p50: number;
  p99: number;
  missingPct: number;
  ok: boolean;
  /** CPU per process group during the step, in % of one core (the machine has two). */
  cpu: Record<string, number>;
  /** The second attempt at a rate whose first attempt was over the limits. */
  retry?: boolean;
}

export interface ContenderRun {
  steps: Step[];
  /** The highest step within the limits. */
  saturation: Step | null;
  at70: Step | null;
  publishErrors: number;
}

/** Wall-clock milliseconds with sub-millisecond resolution, comparable across processes on one machine. */
export const now = (): number => performance.timeOrigin + performance.now();

export interface CityRow {
  slug: string;
  name: string;
  country: string;
}

const CAPTION = 'Golden hour over the old harbour, from the bridge';

/**
 * A photo as the API returns it once ready. The caption carries the bench's stamp at its end,
 * `|<step>|<publish time>`, so the receivers can time it and count it per step.
 */
export function makePhoto(seq: number, city: CityRow, step: number, sentAt: number): Photo {
  const hex = (n: number) => (n * 2654435761 + 0x9e3779b9).toString(16).padStart(8, '0').slice(-8).repeat(8);
  return {
    id: String(1_000_000 + seq),
    owner: userRef(String(1 + (seq % 997)), `photographer_${seq % 997}`),
    caption: `${CAPTION} ${seq} |${step}|${sentAt.toFixed(3)}`,
    city: { slug: city.slug, name: city.name, country: city.country },
    status: 'ready',
    width: 1080,
    height: 1440,
    variants: { thumb: `/media/${hex(seq)}.webp`, display: `/media/${hex(seq + 1)}.webp` },
    placeholder: 'HBkSHYSIeHiPiHh8eJd4eTN0EEQG',
    likes: 0,
    comments: 0,
    liked: false,
    failure: null,
    createdAt: new Date(Math.floor(sentAt)).toISOString(),
  };
}

/** The envelope the baselines carry: the same shape and size as Strobe's. */
export function baselineEnvelope(stream: string, photo: Photo, sentAt: number): Envelope<'photo.ready'> {
  const ms = Math.floor(sentAt);
  return { stream, offset: `${ms}-0`, type: 'photo.ready', data: { photo }, ts: ms };
}

/** Reads the stamp back: [step, publish time], or undefined for anything else. */
export function readStamp(env: unknown): [number, number] | undefined {
  const caption = (env as { data?: { photo?: { caption?: unknown } } } | undefined)?.data?.photo?.caption;
  if (typeof caption !== 'string') return undefined;
  const b = caption.lastIndexOf('|');
  const a = caption.lastIndexOf('|', b - 1);
  if (a < 0) return undefined;
  return [Number(caption.slice(a + 1, b)), Number(caption.slice(b + 1))];
}

/** Latency histogram in 0.1 ms buckets up to 10 s (later counts land in the last bucket). */
export const BUCKETS = 100_001;
export const bucketOf = (ms: number): number => Math.min(BUCKETS - 1, Math.max(0, Math.floor(ms * 10)));

/** Sparse form, for IPC: [bucket, count] pairs. */
export type SparseHistogram = [number, number][];

export function sparse(h: Uint32Array): SparseHistogram {
  const out: SparseHistogram = [];
  for (let i = 0; i < h.length; i++) if (h[i]) out.push([i, h[i]!]);
  return out;
}

/** Nearest-rank percentile of merged histograms, in ms (the bucket's upper edge). */
export function histPercentile(h: Map<number, number>, total: number, p: number): number {
  if (total === 0) return NaN;
  const rank = Math.max(1, Math.ceil((p / 100) * total));
  let seen = 0;
  for (const b of [...h.keys()].sort((x, y) => x - y)) {
    seen += h.get(b)!;
    if (seen >= rank) return (b + 1) / 10;
  }
  return NaN;
}

// Parent ↔ client process messages.
export type ToClients =
  | { cmd: 'open'; contender: Contender; urls: string[]; ids: number[]; cities: string[]; cookies?: string[] }
  | { cmd: 'ensure' }
  | { cmd: 'disconnect' }
  | { cmd: 'report'; step: number }
  | { cmd: 'close' };

export type FromClients =
  | { type: 'opened'; open: number; failed: number; error?: string }
  | { type: 'disconnected' }
  | { type: 'report'; step: number; received: number; hist: SparseHistogram; open: number };

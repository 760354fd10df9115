// Offsets are `<ms>-<seq>`, the shape of Redis stream ids, so both buses hand out the same kind:
// time-ordered, strictly increasing, comparable without a lookup.
import { compareOffsets, OFFSET_PATTERN } from '../shared/realtime.js';

export { compareOffsets, OFFSET_PATTERN };

export function isOffset(v: unknown): v is string {
  return typeof v === 'string' && OFFSET_PATTERN.test(v);
}

export function maxOffset(a: string, b: string): string {
  return compareOffsets(a, b) >= 0 ? a : b;
}

/** Hands out strictly increasing offsets, even when the clock stalls or steps back. */
export class OffsetClock {
  private ms = 0;
  private seq = 0;

  constructor(private readonly now: () => number = Date.now) {}

  next(): string {
    const t = this.now();
    if (t > this.ms) {
      this.ms = t;
      this.seq = 0;
    } else {
      this.seq += 1;
    }
    return `${this.ms}-${this.seq}`;
  }

  /** The newest offset handed out (or the zero offset of the current ms when none yet). */
  current(): string {
    return `${Math.max(this.ms, this.now())}-${this.seq}`;
  }
}

// Report section for benchmark 4 (bench/resize.ts).
import type { BenchResult } from '../lib/results.js';

/** What profiling found where a target is missed; kept beside the figures it explains. */
const PROFILE = [
  '**Profile** (each step alone, 7 runs, same image): a full-resolution decode costs 132 ms, and a 1/4-scale decode (shrink-on-load) 72 ms.',
  "Strobe's decode-and-resize to 1080 px costs 176 ms, because libvips keeps at least a 2× reduction for its final antialiasing step.",
  'So for 3000 → 1080 px (a factor of 2.78) it shrinks nothing on load and decodes every pixel.',
  'ImageMagick with `jpeg:size` does decode at 1/2 scale.',
  "The rest of Strobe's time is the 1080 px WebP encode (39 ms at effort 2, 23 ms at effort 0), the thumbnail and the thumbhash (about 9 ms).",
  "libvips concurrency 2 instead of sharp's glibc default of 1 made no difference (229 ms against 216 ms).",
  '**Next:** decode JPEGs at 1/2 scale explicitly when the reduction is between 2× and 4×, then reduce; try WebP effort 0 for the display variant.',
].join(' ');

export default function resize(r: BenchResult): string {
  const summary = r.summary as { msMedian: Record<string, number>; ratioMedian: Record<string, number> };
  const targets = r.targets as Record<string, number>;
  const rows = Object.entries(summary.msMedian).map(([k, v]) => `| ${k} | ${v} ms |`);
  const ratios = Object.entries(summary.ratioMedian).map(([k, v]) => `| ${k} | **${v}×** | ≥ ${targets[k]}× | ${v >= targets[k]! ? 'met' : 'not met'} |`);
  return [
    `Input: ${r.input as string}. Work: ${r.work as string}. ${r.rounds as number} rounds of ${r.runsPerRound as number} sequential runs per contender; medians of the round medians.`,
    '',
    '| contender | median time per image |',
    '|---|---|',
    ...rows,
    '',
    '| ratio (within each round, median over rounds) | figure | target | |',
    '|---|---|---|---|',
    ...ratios,
    '',
    PROFILE,
  ].join('\n');
}

// Report section for benchmark 4 (bench/resize.ts).
import type { BenchResult } from '../lib/results.js';

/** What profiling found where a target is missed; kept beside the figures it explains. */
const PROFILE = [
  '**Profile** (each step alone, same image, medians of 7–9 runs). As first measured, Strobe took 225 ms (3.3× and 1.34×).',
  'A full-resolution decode costs 132 ms and a 1/4-scale decode 72 ms, but sharp decoded this photo in full: it uses libjpeg\'s scaled decode only from a 3× reduction (its source lowers a 2× shrink-on-load to none, to avoid libjpeg\'s rounding at exactly 2×), and 3000 → 1080 px is 2.8×.',
  '**Changed:** Strobe now picks the JPEG decode scale itself, the smallest that still covers the display width (as ImageMagick\'s `jpeg:size` does), and asks libvips for it with its file-name option (`photo.jpg[shrink=2]`, through a temporary file: 3 MB written in about 3–5 ms).',
  'Decode, rotate and resize to 1080 px went from 136–176 ms to 68–97 ms, and the whole job from 225 ms to the figure above.',
  'What remains, per step: the scaled decode, rotation and resize (about half), the 1080 px WebP encode (35 ms at effort 2; 21 ms at effort 0 but 33 % larger files, 42 KB against 32 KB, so effort 2 stays: every viewer downloads the display variant), the thumbnail (7 ms, in parallel) and the thumbhash (2 ms).',
  'libvips concurrency 2 instead of sharp\'s glibc default of 1 made no difference: libjpeg decodes on one thread.',
  'Both targets stay unmet: about 4.2× plain `convert` (5× would need about 115 ms; effort 0 alone would reach it, at the cost of file size), and about 2× `convert -define jpeg:size`, which decodes at the same scale, so the remaining gap is the encoder and the resampler, where no setting gives 3.5× without giving up file size or quality.',
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

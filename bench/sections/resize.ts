// Report section for benchmark 4 (bench/resize.ts).
import type { BenchResult } from '../lib/results.js';
import type { EffortRow } from '../resize.js';

/** What profiling found where a target is missed; kept beside the figures it explains. */
const PROFILE = [
  '**Issue 16** (2026-12-07; this machine ran both sides 2–3× slower than on 2026-11-21, so compare the ratios). Tried, by measurement:',
  '*Encoder effort per variant* (the table above): effort 2 stays for both variants. Efforts 0 and 1 save little encode time (46–52 against 54 ms in this run; 21–32 against 35–40 ms in quieter profiling runs) and make the display variant 30–37 % larger at the same SSIM; efforts 3–6 make it 8–12 % smaller at 2.5–4× the encode time. The thumbnail is the same story at its size. Strobe\'s whole job and both ImageMagick commands end at the same quality and size (display SSIM 0.9466–0.9468 at 31.4–31.7 KB), so the ratios compare the same work.',
  '*Resizing before turning the image upright* (a 1/2-scale decode of this Orientation-6 photo is 2000×1500; turning the 1080 px result instead costs 5 ms): no gain in an A/B of 15 runs each (91 against 96 ms, 108 against 111 ms), since libvips turns the image lazily within the same pipeline. Not kept; a test now checks every EXIF orientation of the display variant against sharp\'s own.',
  '*The floor:* the scaled decode alone takes 75–82 ms (one thread: libjpeg has no parallel decode), and the display encode at effort 2 another 35–40 ms after it (WebP encodes a whole picture, so it cannot overlap the decode). 3.5× `convert -define jpeg:size` needs about 80 ms in all, below the decode both sides do; no setting reaches it without giving up size or quality. Plain `convert` (full decode) is at 5.4–6.0×, about the 6× target.',
  '**Profile (2026-11-21)** (each step alone, same image, medians of 7–9 runs). As first measured, Strobe took 225 ms (3.3× and 1.34×).',
  'A full-resolution decode costs 132 ms and a 1/4-scale decode 72 ms, but sharp decoded this photo in full: it uses libjpeg\'s scaled decode only from a 3× reduction (its source lowers a 2× shrink-on-load to none, to avoid libjpeg\'s rounding at exactly 2×), and 3000 → 1080 px is 2.8×.',
  '**Changed:** Strobe now picks the JPEG decode scale itself, the smallest that still covers the display width (as ImageMagick\'s `jpeg:size` does), and asks libvips for it with its file-name option (`photo.jpg[shrink=2]`, through a temporary file: 3 MB written in about 3–5 ms).',
  'Decode, rotate and resize to 1080 px went from 136–176 ms to 68–97 ms, and the whole job from 225 ms to the figure above.',
  'What remains, per step: the scaled decode, rotation and resize (about half), the 1080 px WebP encode (35 ms at effort 2; 21 ms at effort 0 but 33 % larger files, 42 KB against 32 KB, so effort 2 stays: every viewer downloads the display variant), the thumbnail (7 ms, in parallel) and the thumbhash (2 ms).',
  'libvips concurrency 2 instead of sharp\'s glibc default of 1 made no difference: libjpeg decodes on one thread.',
  'Both targets stay unmet: about 4.2× plain `convert` (5× would need about 115 ms; effort 0 alone would reach it, at the cost of file size), and about 2× `convert -define jpeg:size`, which decodes at the same scale, so the remaining gap is the encoder and the resampler, where no setting gives 3.5× without giving up file size or quality.',
].join(' ');

/** Encoder effort per variant: time, size and quality from the run (bench/resize.ts `effortStudy`). */
function effortTable(rows: EffortRow[] | undefined): string[] {
  if (!rows) return [];
  return [
    '',
    '**Encoder effort per variant** (WebP q80; each variant encoded from the same upright, resized pixels, and scored against them: SSIM on luma over 8×8 windows; the whole pipelines are scored against the same pixels, so their SSIM also counts their decode scale and resampler):',
    '',
    '| variant | encoder | median encode time | size | SSIM |',
    '|---|---|---|---|---|',
    ...rows.map((row) => `| ${row.variant} | ${row.encoder} | ${row.msMedian === null || Number.isNaN(row.msMedian) ? '' : `${row.msMedian} ms`} | ${(row.bytes / 1000).toFixed(1)} KB | ${row.ssim.toFixed(4)} |`),
  ];
}

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
    ...effortTable(r.efforts as EffortRow[] | undefined),
    '',
    PROFILE,
  ].join('\n');
}

// Benchmark 4: Strobe's resize job against ImageMagick doing the same work on the same 12 MP JPEG,
// sequentially: auto-orient, strip, a 1080 px and a 320 px WebP at quality 80 (WebP method 2 on
// both sides, Strobe's setting). ImageMagick runs plain, and with `-define jpeg:size` so libjpeg
// decodes at a reduced scale (shrink-on-load, as libvips does). Each round times every contender
// in turn; ratios are taken within a round, and the report gives the median over rounds.
//   npm run bench:resize   (ROUNDS, RUNS to change the counts)
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { processImage } from '../src/features/photos/images.js';
import { makePhoto } from './lib/photo.js';
import { median, round, writeResult } from './lib/results.js';
import { ssim } from './lib/ssim.js';

const ROUNDS = Number(process.env.ROUNDS ?? 3);
const RUNS = Number(process.env.RUNS ?? 5);

/** Debian's ImageMagick; a `convert` that is not ImageMagick (this machine has a stand-in) is skipped. */
function findConvert(): string | undefined {
  for (const bin of ['/usr/bin/convert-im6.q16', '/usr/bin/convert', 'magick', 'convert']) {
    const out = spawnSync(bin, ['-version'], { encoding: 'utf8' });
    if (out.status === 0 && out.stdout.includes('ImageMagick')) return bin;
  }
  return undefined;
}

/** The baseline is part of the benchmark: installed from Debian when missing, as .ci/run does for haproxy. */
function ensureConvert(): string {
  const found = findConvert();
  if (found) return found;
  if (process.getuid?.() === 0 && spawnSync('apt-get', ['--version']).status === 0) {
    console.log('installing ImageMagick from Debian (the baseline of this benchmark)…');
    const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
    spawnSync('apt-get', ['update', '-qq'], { stdio: 'inherit', env });
    spawnSync('apt-get', ['install', '-y', '-qq', '--no-install-recommends', 'imagemagick'], { stdio: 'inherit', env });
  }
  const installed = findConvert();
  if (installed) return installed;
  console.error('bench:resize needs ImageMagick: sudo apt-get install imagemagick');
  process.exit(1);
}

function imagemagickArgs(input: string, out: string, shrinkOnLoad: boolean): string[] {
  return [
    ...(shrinkOnLoad ? ['-define', 'jpeg:size=1080x1080'] : []),
    input,
    '-auto-orient',
    '-strip',
    '-define', 'webp:method=2',
    '(', '+clone', '-resize', '1080x>', '-quality', '80', '-write', join(out, 'display.webp'), '+delete', ')',
    '-resize', '320x>', '-quality', '80', join(out, 'thumb.webp'),
  ];
}

async function time(fn: () => Promise<unknown> | unknown): Promise<number> {
  const start = process.hrtime.bigint();
  await fn();
  return Number(process.hrtime.bigint() - start) / 1e6;
}

async function main(): Promise<void> {
  const convert = ensureConvert();
  const dir = mkdtempSync(join(tmpdir(), 'strobe-bench-resize-'));
  try {
    const input = join(dir, 'photo.jpg');
    const photo = await makePhoto();
    writeFileSync(input, photo);
    const contenders: Record<string, () => Promise<unknown> | unknown> = {
      strobe: () => processImage(readFileSync(input)),
      'convert': () => execFileSync(convert, imagemagickArgs(input, dir, false)),
      'convert -define jpeg:size': () => execFileSync(convert, imagemagickArgs(input, dir, true)),
    };
    // Same output sizes on every side, or the comparison means nothing.
    await contenders['convert']!();
    const [display, thumb] = await Promise.all([sharp(join(dir, 'display.webp')).metadata(), sharp(join(dir, 'thumb.webp')).metadata()]);
    const strobeOut = await processImage(photo);
    if (display.width !== strobeOut.display.width || thumb.width !== strobeOut.thumb.width) {
      throw new Error(`outputs differ: ImageMagick ${display.width}/${thumb.width}, Strobe ${strobeOut.display.width}/${strobeOut.thumb.width}`);
    }

    const rounds: { medians: Record<string, number>; ratios: Record<string, number> }[] = [];
    for (let r = 0; r < ROUNDS; r++) {
      const samples: Record<string, number[]> = Object.fromEntries(Object.keys(contenders).map((k) => [k, []]));
      for (let i = 0; i < RUNS; i++) for (const [name, run] of Object.entries(contenders)) samples[name]!.push(await time(run));
      const medians = Object.fromEntries(Object.entries(samples).map(([k, v]) => [k, round(median(v))]));
      const ratios = {
        'convert / strobe': round(medians['convert']! / medians.strobe!, 2),
        'convert -define jpeg:size / strobe': round(medians['convert -define jpeg:size']! / medians.strobe!, 2),
      };
      rounds.push({ medians, ratios });
      console.log(`round ${r + 1}: ${JSON.stringify(medians)} ms; ${JSON.stringify(ratios)}`);
    }
    const efforts = await effortStudy(convert, input, dir);
    const summary = {
      msMedian: Object.fromEntries(Object.keys(contenders).map((k) => [k, median(rounds.map((r) => r.medians[k]!))])),
      ratioMedian: Object.fromEntries(Object.keys(rounds[0]!.ratios).map((k) => [k, median(rounds.map((r) => r.ratios[k]!))])),
    };
    const file = writeResult({
      name: 'resize',
      title: '4. Resize: Strobe against ImageMagick on a 12 MP JPEG',
      command: 'npm run bench:resize',
      machine: { sharp: `sharp ${sharp.versions.sharp}, libvips ${sharp.versions.vips}`, imagemagick: execFileSync(convert, ['-version']).toString().split('\n')[0]!.trim() },
      input: `4000×3000 photo-like JPEG q90 (shapes under grain, ${(photo.length / 1e6).toFixed(1)} MB), EXIF Orientation 6`,
      work: 'auto-orient, strip, 1080 px and 320 px WebP q80 (method 2); Strobe also computes the thumbhash',
      rounds: ROUNDS,
      runsPerRound: RUNS,
      perRound: rounds,
      summary,
      efforts,
      targets: { 'convert / strobe': 6, 'convert -define jpeg:size / strobe': 3.5 },
    });
    console.log(`summary: ${JSON.stringify(summary)}\nwrote ${file}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export interface EffortRow {
  variant: 'display' | 'thumb';
  encoder: string;
  msMedian: number;
  bytes: number;
  ssim: number;
}

/**
 * The WebP encoder effort per variant, chosen by measurement: for efforts 0–6, the encode time of
 * each variant from the same decoded pixels (median of RUNS), its size and its SSIM against those
 * pixels (sharp's full decode, upright, resized); and the whole pipelines' outputs, Strobe's job
 * and ImageMagick's two, scored against the same pixels.
 */
async function effortStudy(convert: string, input: string, dir: string): Promise<EffortRow[]> {
  const display = await sharp(input).rotate().resize({ width: 1080 }).toColourspace('srgb').raw().toBuffer({ resolveWithObject: true });
  const thumb = await sharp(display.data, { raw: display.info }).resize({ width: 320 }).raw().toBuffer({ resolveWithObject: true });
  const magickOut: Record<string, string> = { convert: join(dir, 'plain'), 'convert -define jpeg:size': join(dir, 'size') };
  for (const [name, out] of Object.entries(magickOut)) {
    mkdirSync(out);
    execFileSync(convert, imagemagickArgs(input, out, name !== 'convert'));
  }
  const rows: EffortRow[] = [];
  for (const [variant, img] of [['display', display], ['thumb', thumb]] as const) {
    const pixels = { data: img.data, width: img.info.width, height: img.info.height, channels: img.info.channels };
    for (const effort of [0, 1, 2, 3, 4, 6]) {
      const times: number[] = [];
      let out = Buffer.alloc(0);
      for (let i = 0; i < RUNS; i++) times.push(await time(async () => (out = await sharp(img.data, { raw: img.info }).webp({ quality: 80, effort }).toBuffer())));
      rows.push({ variant, encoder: `strobe, effort ${effort}`, msMedian: round(median(times)), bytes: out.length, ssim: round(await ssim(pixels, out), 4) });
    }
    // Whole pipelines (decode scale, resampler and encoder together), against the same pixels.
    const strobe = (await processImage(readFileSync(input)))[variant].data;
    rows.push({ variant, encoder: 'strobe job (as shipped)', msMedian: NaN, bytes: strobe.length, ssim: round(await ssim(pixels, strobe), 4) });
    for (const [name, out] of Object.entries(magickOut)) {
      const file = readFileSync(join(out, `${variant}.webp`));
      rows.push({ variant, encoder: name, msMedian: NaN, bytes: file.length, ssim: round(await ssim(pixels, file), 4) });
    }
    console.log(`${variant}: ${JSON.stringify(rows.filter((r) => r.variant === variant))}`);
  }
  return rows;
}

await main();

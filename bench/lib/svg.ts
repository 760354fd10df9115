// Small, dependency-free SVG charts for docs/benchmarks.md: a line chart (latency against load)
// and a CDF (latency distribution). GitHub renders SVG images in Markdown.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export const CHARTS_DIR = new URL('../../docs/charts/', import.meta.url).pathname;

export interface Series {
  name: string;
  points: [number, number][];
}

export interface LineChartOptions {
  title: string;
  xLabel: string;
  yLabel: string;
  series: Series[];
  /** Logarithmic y axis (latencies that span orders of magnitude). */
  logY?: boolean;
  /** Horizontal reference lines, such as a target. */
  marks?: { y: number; label: string }[];
}

const W = 720;
const H = 400;
const M = { top: 40, right: 170, bottom: 50, left: 70 };
const COLORS = ['#d6336c', '#1c7ed6', '#37b24d', '#f59f00', '#7048e8', '#495057'];

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

function niceTicks(min: number, max: number, count = 5): number[] {
  if (max <= min) max = min + 1;
  const raw = (max - min) / count;
  const step = 10 ** Math.floor(Math.log10(raw));
  const nice = [1, 2, 2.5, 5, 10].map((m) => m * step).find((s) => s >= raw) ?? raw;
  const ticks: number[] = [];
  for (let v = Math.ceil(min / nice) * nice; v <= max + nice * 1e-9; v += nice) ticks.push(Number(v.toPrecision(12)));
  return ticks;
}

const fmt = (v: number) => (Math.abs(v) >= 10_000 ? `${Number((v / 1000).toPrecision(3))}k` : `${Number(v.toPrecision(3))}`);

export function lineChart(opts: LineChartOptions): string {
  const all = opts.series.flatMap((s) => s.points);
  const xs = all.map((p) => p[0]);
  const ys = [...all.map((p) => p[1]), ...(opts.marks ?? []).map((m) => m.y)];
  const xMin = Math.min(0, ...xs);
  const xMax = Math.max(...xs);
  const pw = W - M.left - M.right;
  const ph = H - M.top - M.bottom;
  const x = (v: number) => M.left + ((v - xMin) / (xMax - xMin || 1)) * pw;
  let y: (v: number) => number;
  let yTicks: number[];
  if (opts.logY) {
    const lo = Math.floor(Math.log10(Math.max(1e-3, Math.min(...ys.filter((v) => v > 0)))));
    const hi = Math.ceil(Math.log10(Math.max(...ys)));
    y = (v) => M.top + ph - ((Math.log10(Math.max(v, 10 ** lo)) - lo) / (hi - lo || 1)) * ph;
    yTicks = Array.from({ length: hi - lo + 1 }, (_, i) => 10 ** (lo + i));
  } else {
    const yMax = Math.max(...ys);
    yTicks = niceTicks(0, yMax);
    const top = Math.max(yMax, yTicks.at(-1) ?? yMax);
    y = (v) => M.top + ph - (v / (top || 1)) * ph;
  }
  const xTicks = niceTicks(xMin, xMax);
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="12">`,
    `<rect width="${W}" height="${H}" fill="#fff"/>`,
    `<text x="${M.left}" y="22" font-size="15" font-weight="bold">${esc(opts.title)}</text>`,
  ];
  for (const t of yTicks) {
    parts.push(`<line x1="${M.left}" x2="${M.left + pw}" y1="${y(t)}" y2="${y(t)}" stroke="#e9ecef"/>`);
    parts.push(`<text x="${M.left - 6}" y="${y(t) + 4}" text-anchor="end" fill="#495057">${fmt(t)}</text>`);
  }
  for (const t of xTicks) {
    if (t > xMax) continue;
    parts.push(`<line x1="${x(t)}" x2="${x(t)}" y1="${M.top + ph}" y2="${M.top + ph + 5}" stroke="#495057"/>`);
    parts.push(`<text x="${x(t)}" y="${M.top + ph + 18}" text-anchor="middle" fill="#495057">${fmt(t)}</text>`);
  }
  parts.push(`<line x1="${M.left}" x2="${M.left + pw}" y1="${M.top + ph}" y2="${M.top + ph}" stroke="#495057"/>`);
  parts.push(`<line x1="${M.left}" x2="${M.left}" y1="${M.top}" y2="${M.top + ph}" stroke="#495057"/>`);
  parts.push(`<text x="${M.left + pw / 2}" y="${H - 10}" text-anchor="middle">${esc(opts.xLabel)}</text>`);
  parts.push(`<text transform="translate(16 ${M.top + ph / 2}) rotate(-90)" text-anchor="middle">${esc(opts.yLabel)}</text>`);
  for (const m of opts.marks ?? []) {
    parts.push(`<line x1="${M.left}" x2="${M.left + pw}" y1="${y(m.y)}" y2="${y(m.y)}" stroke="#868e96" stroke-dasharray="6 4"/>`);
    parts.push(`<text x="${M.left + pw - 4}" y="${y(m.y) - 5}" text-anchor="end" fill="#868e96">${esc(m.label)}</text>`);
  }
  opts.series.forEach((s, i) => {
    const color = COLORS[i % COLORS.length]!;
    const pts = [...s.points].sort((a, b) => a[0] - b[0]);
    if (pts.length > 0) {
      parts.push(`<polyline fill="none" stroke="${color}" stroke-width="2" points="${pts.map(([px, py]) => `${x(px).toFixed(1)},${y(py).toFixed(1)}`).join(' ')}"/>`);
      if (pts.length <= 40) for (const [px, py] of pts) parts.push(`<circle cx="${x(px).toFixed(1)}" cy="${y(py).toFixed(1)}" r="3" fill="${color}"/>`);
    }
    const ly = M.top + 10 + i * 20;
    parts.push(`<rect x="${M.left + pw + 14}" y="${ly - 8}" width="14" height="4" fill="${color}"/>`);
    parts.push(`<text x="${M.left + pw + 34}" y="${ly}">${esc(s.name)}</text>`);
  });
  parts.push('</svg>');
  return parts.join('\n') + '\n';
}

/** Cumulative distribution of each series' values (x: value, y: % of samples at or below it). */
export function cdfChart(opts: { title: string; xLabel: string; series: { name: string; values: number[] }[]; marks?: { x: number; label: string }[] }): string {
  const series: Series[] = opts.series.map((s) => {
    const sorted = [...s.values].sort((a, b) => a - b);
    // At most ~200 points: enough for a smooth curve, small enough to commit.
    const step = Math.max(1, Math.floor(sorted.length / 200));
    const points: [number, number][] = [];
    for (let i = 0; i < sorted.length; i += step) points.push([sorted[i]!, ((i + 1) / sorted.length) * 100]);
    if (sorted.length > 0) points.push([sorted.at(-1)!, 100]);
    return { name: `${s.name} (n=${s.values.length})`, points };
  });
  for (const m of opts.marks ?? []) series.push({ name: m.label, points: [[m.x, 0], [m.x, 100]] });
  return lineChart({ title: opts.title, xLabel: opts.xLabel, yLabel: '% of samples ≤ x', series });
}

/** Writes docs/charts/<name>.svg and returns the Markdown image that shows it from docs/benchmarks.md. */
export function writeChart(name: string, svg: string, alt: string): string {
  mkdirSync(CHARTS_DIR, { recursive: true });
  writeFileSync(join(CHARTS_DIR, `${name}.svg`), svg);
  return `![${alt}](charts/${name}.svg)`;
}

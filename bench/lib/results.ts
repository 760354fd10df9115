// What every benchmark shares: statistics, the machine it ran on, and its JSON result file, which
// bench/report.ts turns into docs/benchmarks.md.
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { join } from 'node:path';

export const RESULTS_DIR = new URL('../results/', import.meta.url).pathname;

export function median(values: readonly number[]): number {
  return percentile(values, 50);
}

/** Nearest-rank percentile. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

export function machine(): Record<string, string> {
  const version = (cmd: string, args: string[]) => {
    try {
      return execFileSync(cmd, args, { stdio: ['ignore', 'pipe', 'ignore'] }).toString().split('\n')[0]!.trim();
    } catch {
      return 'not found';
    }
  };
  return {
    cpu: `${cpus().length} × ${cpus()[0]?.model ?? 'unknown'}`,
    memory: `${Math.round(totalmem() / 2 ** 30)} GiB`,
    node: process.version,
    postgres: version('psql', ['--version']),
    redis: version('redis-server', ['--version']),
    haproxy: version('haproxy', ['-v']),
  };
}

export interface BenchResult {
  name: string;
  title: string;
  command: string;
  ranAt: string;
  machine: Record<string, string>;
  [key: string]: unknown;
}

export function writeResult(result: Omit<BenchResult, 'ranAt' | 'machine'> & { machine?: Record<string, string> }): string {
  mkdirSync(RESULTS_DIR, { recursive: true });
  const file = join(RESULTS_DIR, `${result.name}.json`);
  writeFileSync(file, JSON.stringify({ ...result, ranAt: new Date().toISOString(), machine: { ...machine(), ...result.machine } }, null, 2) + '\n');
  return file;
}

export const round = (n: number, digits = 1) => Math.round(n * 10 ** digits) / 10 ** digits;

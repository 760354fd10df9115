// CPU time per process group during a step, from /proc (Linux): where the machine's two cores go.
import { readdirSync, readFileSync } from 'node:fs';

const TICKS_PER_S = 100; // USER_HZ on Linux

function stat(pid: number): { comm: string; ppid: number; ticks: number } | undefined {
  try {
    const s = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const close = s.lastIndexOf(')');
    const f = s.slice(close + 2).split(' ');
    // After the command: state, ppid, …; utime and stime are fields 14 and 15 of the whole line.
    return { comm: s.slice(s.indexOf('(') + 1, close), ppid: Number(f[1]), ticks: Number(f[11]) + Number(f[12]) };
  } catch {
    return undefined;
  }
}

/** Processes whose command name is `comm` (and whose parent is `ppid`, when given). */
export function findPids(comm: string, ppid?: number): number[] {
  const out: number[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const s = stat(Number(name));
    if (s && s.comm === comm && (ppid === undefined || s.ppid === ppid)) out.push(Number(name));
  }
  return out;
}

/** Starts a measurement over groups of processes; `stop()` gives each group's CPU in % of one core. */
export function cpuMeter(groups: Record<string, number[]>): { stop(): Record<string, number> } {
  const read = () => Object.fromEntries(Object.entries(groups).map(([k, pids]) => [k, pids.reduce((a, p) => a + (stat(p)?.ticks ?? 0), 0)]));
  const before = read();
  const start = performance.now();
  return {
    stop() {
      const after = read();
      const seconds = (performance.now() - start) / 1000;
      return Object.fromEntries(Object.keys(groups).map((k) => [k, Math.round(((after[k]! - before[k]!) / TICKS_PER_S / seconds) * 100)]));
    },
  };
}

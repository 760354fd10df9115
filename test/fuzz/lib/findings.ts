// What a fuzz run found, grouped by signature (the same bug seen 300 times is one finding with a
// count and its first input), split into new findings and the known ones listed in known.ts.
import type { Violation } from './contract.js';
import { KNOWN_FINDINGS, type KnownFinding } from './known.js';

export interface Finding extends Violation {
  /** The first input that showed it. */
  input: string;
  /** How to generate that input again: `--seed S --only http --path N`. */
  replay: string;
  count: number;
  known?: KnownFinding;
}

export class Findings {
  private readonly bySignature = new Map<string, Finding>();

  add(v: Violation, input: string, replay: string): void {
    // A known finding is one entry however many routes show it.
    const known = KNOWN_FINDINGS.find((k) => k.matches(v, input));
    const key = known ? `known:${known.id}` : v.signature;
    const existing = this.bySignature.get(key);
    if (existing) {
      existing.count++;
      return;
    }
    this.bySignature.set(key, { ...v, input, replay, count: 1, ...(known ? { known } : {}) });
  }

  /** Findings no entry of known.ts explains: these fail the run. */
  get fresh(): Finding[] {
    return [...this.bySignature.values()].filter((f) => !f.known);
  }

  get known(): Finding[] {
    return [...this.bySignature.values()].filter((f) => f.known);
  }
}

export function formatFinding(f: Finding): string {
  const lines = [
    `${f.known ? `[known: ${f.known.id}] ` : ''}${f.property} (${f.count}×): ${f.detail}`,
    `    input:  ${f.input}`,
    `    replay: ${f.replay}`,
  ];
  if (f.known) lines.push(`    why:    ${f.known.why}`, `    fix:    ${f.known.fix}`);
  return lines.join('\n');
}

// What the fixed-seed tests do with a run's findings: new ones fail the test with every input
// needed to replay them; known ones (known.ts) show as TODO subtests, so they stay visible.
import assert from 'node:assert/strict';
import type { TestContext } from 'node:test';
import { formatFinding, type Finding } from './findings.js';

export async function judge(t: TestContext, summary: string, findings: Finding[], known: Finding[]): Promise<void> {
  for (const line of summary.split('\n')) t.diagnostic(line);
  for (const f of known) {
    await t.test(`known finding ${f.known!.id} (${f.count}×)`, { todo: f.known!.fix }, () => {
      assert.fail(formatFinding(f));
    });
  }
  assert.deepEqual(
    findings.map((f) => `${f.property}: ${f.detail}`),
    [],
    `the fuzzer found ${findings.length} new problem(s):\n\n${findings.map(formatFinding).join('\n\n')}\n`,
  );
}

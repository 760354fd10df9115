// The HTTP fuzz tier with a fixed seed: the same 550 batches of generated requests (about 2,000
// requests over every documented route) on every run, against a real server process. Longer runs
// with any seed: `npm run fuzz -- --only http`.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { formatHttpReport, fuzzHttp } from './lib/http-fuzz.js';
import { judge } from './lib/report.js';

const SEED = 20_240_611;

test('HTTP: every answer to generated requests keeps the contract, the server stays up, the database stays consistent', { timeout: 180_000 }, async (t) => {
  const report = await fuzzHttp({ seed: SEED, runs: 550, seconds: 25, log: (line) => t.diagnostic(line) });
  assert.deepEqual(
    report.routes.filter((r) => r.tried === 0).map((r) => r.key),
    [],
    'every documented route gets inputs',
  );
  await judge(t, formatHttpReport(report), report.findings, report.known);
});

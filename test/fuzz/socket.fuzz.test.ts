// The realtime fuzz tier with a fixed seed: the same 200 batches of generated socket actions
// (about 650 emits and raw frames, signed out and signed in) on every run, against a real server
// process. Longer runs with any seed: `npm run fuzz -- --only socket`.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { judge } from './lib/report.js';
import { formatSocketReport, fuzzSockets } from './lib/socket-fuzz.js';

const SEED = 20_240_611;

test('sockets: every acknowledgement keeps the contract, unknown events are ignored, the server stays up', { timeout: 180_000 }, async (t) => {
  const report = await fuzzSockets({ seed: SEED, runs: 200, seconds: 15, log: (line) => t.diagnostic(line) });
  for (const event of ['subscribe', 'unsubscribe', 'chat:send', 'unknown event', 'raw']) {
    assert.ok((report.sent[event] ?? 0) > 0, `the fuzzer sent ${event}`);
  }
  await judge(t, formatSocketReport(report), report.findings, report.known);
});

// Runs every test file with node's test runner, tier by tier: small, medium, e2e, browser, fuzz.
// `npm test -- test/small` (or any files/folders) runs a subset. Before running, it makes sure the
// machine has what those tiers need (scripts/preflight.mjs). Every test process gets a temporary
// folder of this run's own (TMPDIR), removed at the end, so nothing piles up in /tmp.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { preflight } from './preflight.mjs';

const TIERS = ['test/small', 'test/medium', 'test/e2e', 'test/browser', 'test/fuzz'];

function collect(path) {
  if (statSync(path).isFile()) return [path];
  return readdirSync(path)
    .sort()
    .flatMap((name) => {
      const full = join(path, name);
      return statSync(full).isDirectory() ? collect(full) : name.endsWith('.test.ts') ? [full] : [];
    });
}

const targets = process.argv.slice(2);
const files = (targets.length ? targets : TIERS.filter((tier) => existsSync(tier))).flatMap(collect);
await preflight(files);

const runTmp = mkdtempSync(join(tmpdir(), 'strobe-test-run-'));
const cleanUp = () => rmSync(runTmp, { recursive: true, force: true });
process.on('SIGINT', () => (cleanUp(), process.exit(130)));
process.on('SIGTERM', () => (cleanUp(), process.exit(143)));
const result = spawnSync(
  process.execPath,
  // A test without a timeout of its own gets 10 minutes, and a file whose tests are done exits even
  // if a handle is still open: one hung file must fail the run, not stall it until CI gives up.
  ['--import', 'tsx', '--test', '--test-concurrency=1', '--test-timeout=600000', '--test-force-exit', '--test-reporter=spec', ...files],
  { stdio: 'inherit', env: { ...process.env, NODE_ENV: 'test', TMPDIR: runTmp } },
);
// What the tests left in their temporary folder is a leak worth seeing (the folder goes anyway).
// Caches, not leaks: tsx's compile cache and the migrated database template (test/helpers/data-dir.ts).
const left = readdirSync(runTmp).filter((name) => !name.startsWith('tsx-') && !name.startsWith('strobe-test-template-'));
if (left.length > 0) console.error(`npm test: the tests left ${left.length} entries in their temporary folder: ${left.slice(0, 10).join(', ')}`);
cleanUp();
process.exit(result.status ?? 1);

// Runs every test file with node's test runner, tier by tier: small, medium, e2e, browser.
// `npm test -- test/small` (or any files/folders) runs a subset.
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

const TIERS = ['test/small', 'test/medium', 'test/e2e', 'test/browser'];

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
const files = (targets.length ? targets : TIERS).flatMap(collect);
const result = spawnSync(
  process.execPath,
  ['--import', 'tsx', '--test', '--test-concurrency=1', '--test-reporter=spec', ...files],
  { stdio: 'inherit', env: { ...process.env, NODE_ENV: 'test' } },
);
process.exit(result.status ?? 1);

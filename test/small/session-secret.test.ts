// The session secret an embedded Strobe keeps in DATA_DIR: generated once, whole, and never empty.
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { embeddedSecret } from '../../src/adapters/index.js';
import { ConfigError } from '../../src/config.js';

function dataDir(t: TestContext): string {
  const dir = mkdtempSync(join(tmpdir(), 'strobe-secret-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

function recorder() {
  const warnings: string[] = [];
  return { warnings, log: { warn: (_obj: object, msg: string) => warnings.push(msg), error: () => {} } };
}

test('a missing secret is generated once, private, with no temporary file left, and kept', (t) => {
  const dir = dataDir(t);
  const secret = embeddedSecret(dir);
  assert.ok(secret.length >= 32);
  const file = join(dir, 'session-secret');
  assert.equal(readFileSync(file, 'utf8'), `${secret}\n`);
  assert.equal(statSync(file).mode & 0o777, 0o600);
  assert.deepEqual(readdirSync(dir), ['session-secret']);
  assert.equal(embeddedSecret(dir), secret, 'the next start reads the same one');
});

test('an empty secret file is replaced by a generated secret, with a warning', (t) => {
  const dir = dataDir(t);
  const file = join(dir, 'session-secret');
  for (const empty of ['', '\n', '  \n']) {
    writeFileSync(file, empty);
    const { warnings, log } = recorder();
    const secret = embeddedSecret(dir, log);
    assert.ok(secret.length >= 32, JSON.stringify(empty));
    assert.equal(readFileSync(file, 'utf8'), `${secret}\n`);
    assert.equal(warnings.length, 1);
    assert.match(warnings[0]!, /empty/);
  }
});

test('a secret shorter than 32 characters is refused with an error that names the file', (t) => {
  const dir = dataDir(t);
  const file = join(dir, 'session-secret');
  writeFileSync(file, 'hunter2\n');
  assert.throws(
    () => embeddedSecret(dir),
    (err: unknown) => err instanceof ConfigError && err.message.includes(file) && /32/.test(err.message),
  );
  assert.equal(readFileSync(file, 'utf8'), 'hunter2\n', 'left as it was');
  writeFileSync(file, 'x'.repeat(32));
  assert.equal(embeddedSecret(dir), 'x'.repeat(32));
});

// The request id in every log line of a request: a load balancer's sane X-Request-Id is kept, anything
// else is replaced by a generated one, so a client cannot flood or forge log lines through it.
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { test } from 'node:test';
import { buildStrobe } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import { freshDataDir } from '../helpers/data-dir.js';

test('a sane X-Request-Id is kept in the logs; a huge or newline-carrying one is replaced', async (t) => {
  const dataDir = await freshDataDir();
  const lines: { reqId?: string; msg: string }[] = [];
  const strobe = await buildStrobe(loadConfig({ DATA_DIR: dataDir, HOST: '127.0.0.1', PORT: '0' }), {
    level: 'info',
    stream: { write: (line: string) => void lines.push(JSON.parse(line)) },
  });
  t.after(async () => {
    await strobe.close();
    rmSync(dataDir, { recursive: true, force: true });
  });
  /** The id the request's log lines carry. */
  const idOf = async (header: string | undefined): Promise<string> => {
    lines.length = 0;
    const res = await strobe.app.inject({ method: 'GET', url: '/healthz', headers: header === undefined ? {} : { 'x-request-id': header } });
    assert.equal(res.statusCode, 200);
    const ids = new Set(lines.filter((l) => l.msg === 'incoming request' || l.msg === 'request completed').map((l) => l.reqId));
    assert.equal(ids.size, 1, JSON.stringify(lines));
    return [...ids][0]!;
  };
  const generated = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

  assert.equal(await idOf('lb-4f2a.7:web_1'), 'lb-4f2a.7:web_1');
  assert.equal(await idOf('x'.repeat(64)), 'x'.repeat(64));
  for (const bad of ['x'.repeat(10 * 1024), 'x'.repeat(65), 'abc\n{"level":60,"msg":"forged"}', 'a b', 'ünïcode', '']) {
    const id = await idOf(bad);
    assert.match(id, generated, JSON.stringify(bad.slice(0, 40)));
  }
  const [a, b] = [await idOf(undefined), await idOf(undefined)];
  assert.match(a, generated);
  assert.notEqual(a, b, 'unique, even across instances');
});

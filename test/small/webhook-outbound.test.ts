// The outbound guard of webhooks: which addresses count as private, that a name resolving to one
// is refused at connect time, and that a redirect is checked like the first hop.
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { hostname } from 'node:os';
import { after, before, test } from 'node:test';
import { addressRule, ForbiddenTarget, isPrivateAddress, postGuarded } from '../../src/features/webhooks/outbound.js';

test('private, loopback, link-local, metadata and mapped addresses are private; public ones are not', () => {
  for (const a of ['127.0.0.1', '10.1.2.3', '172.16.0.1', '172.31.255.255', '192.168.1.1', '169.254.169.254', '100.64.0.1', '0.0.0.0', '224.0.0.1', '::1', '::', 'fe80::1', 'fd00::1', '::ffff:127.0.0.1', '::ffff:10.0.0.1', 'not an ip']) {
    assert.ok(isPrivateAddress(a), a);
  }
  for (const a of ['8.8.8.8', '1.1.1.1', '172.32.0.1', '2606:4700:4700::1111', '::ffff:8.8.8.8']) assert.ok(!isPrivateAddress(a), a);
});

let server: Server;
let port = 0;
const hits: string[] = [];

before(async () => {
  server = createServer((req, res) => {
    hits.push(req.url ?? '');
    if (req.url === '/redirect-private') {
      res.writeHead(307, { location: `http://127.0.0.2:${port}/final` }).end();
      return;
    }
    res.writeHead(200, { 'content-type': 'text/plain' }).end('ok');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as AddressInfo).port;
});
after(() => new Promise<void>((resolve) => server.close(() => resolve())));

const onlyFirst = (address: string) => address === '127.0.0.1';

test('a literal private address, localhost and a name resolving to a private address are refused without a request', async () => {
  const strict = addressRule(false);
  for (const url of [`http://127.0.0.1:${port}/`, `http://localhost:${port}/`, `http://[::1]:${port}/`, `http://${hostname()}:${port}/`]) {
    const before = hits.length;
    await assert.rejects(postGuarded(url, '{}', {}, { allowed: strict, timeoutMs: 2_000 }), (err: unknown) => err instanceof ForbiddenTarget || /ENOTFOUND|EAI_AGAIN/.test(String(err)), url);
    assert.equal(hits.length, before, `nothing reached the server for ${url}`);
  }
  await assert.rejects(postGuarded('ftp://example.org/', '{}', {}, { allowed: strict, timeoutMs: 2_000 }), ForbiddenTarget);
  await assert.rejects(postGuarded('http://user:pw@example.org/', '{}', {}, { allowed: strict, timeoutMs: 2_000 }), ForbiddenTarget);
});

test('an allowed address is reached; a redirect to a forbidden one is refused', async () => {
  assert.deepEqual(await postGuarded(`http://127.0.0.1:${port}/ok`, '{}', {}, { allowed: onlyFirst, timeoutMs: 2_000 }), { status: 200, body: 'ok' });
  await assert.rejects(postGuarded(`http://127.0.0.1:${port}/redirect-private`, '{}', {}, { allowed: onlyFirst, timeoutMs: 2_000 }), ForbiddenTarget);
  assert.ok(!hits.includes('/final'));
});

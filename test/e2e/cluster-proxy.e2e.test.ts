// Per-address rate limits hold behind the real HAProxy: the instances trust only HAProxy, and
// HAProxy hands them the address that connected to it, whatever X-Forwarded-For the client wrote.
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { test } from 'node:test';
import { ACCOUNT_LIMITS } from '../../src/features/accounts/accounts.service.js';
import { startCluster } from '../helpers/cluster.js';
import { servicesUp } from '../helpers/services.js';

interface Answer {
  status: number;
  code: string | undefined;
}

/** POST /api/auth/register through the balancer, from a chosen local address, with chosen headers. */
function registerVia(base: string, username: string, opts: { localAddress?: string; headers?: Record<string, string> } = {}): Promise<Answer> {
  const url = new URL('/api/auth/register', base);
  const body = JSON.stringify({ username, password: 'correct horse' });
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: url.hostname,
        port: url.port,
        path: url.pathname,
        method: 'POST',
        localAddress: opts.localAddress,
        headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), ...opts.headers },
        timeout: 30_000,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let code: string | undefined;
          try {
            code = (JSON.parse(text) as { error?: { code?: string } }).error?.code;
          } catch {
            code = undefined;
          }
          resolve({ status: res.statusCode ?? 0, code });
        });
      },
    );
    req.on('timeout', () => req.destroy(new Error(`${username}: no answer in 30 s`)));
    req.on('error', reject);
    req.end(body);
  });
}

if (await servicesUp(['postgres', 'redis', 'amqp'])) {
  test('a client that writes a new X-Forwarded-For on every request still has one budget; another client has its own', { timeout: 180_000 }, async (t) => {
    const cluster = await startCluster(t, { web: 2, workers: 0 });
    const { limit } = ACCOUNT_LIMITS.registerPerIp;

    // Each spoof in a form a proxy might append to, or a client might hope is taken as is.
    const spoofs = (i: number) => [`198.51.100.${i + 1}`, `203.0.113.${i + 1}, 198.51.100.${i + 1}`, `2001:db8::${(i + 1).toString(16)}`][i % 3]!;
    const answers: Answer[] = [];
    for (let i = 0; i <= limit; i++) {
      answers.push(await registerVia(cluster.url, `spoofer_${i}`, { headers: { 'x-forwarded-for': spoofs(i) } }));
    }
    const seen = answers.map((a) => a.code ?? String(a.status));
    assert.deepEqual(
      seen,
      [...Array<string>(limit).fill('201'), 'RATE_LIMITED'],
      `${limit} registrations, then the one budget of 127.0.0.1 is spent\n${cluster.logs.slice(-20).join('\n')}`,
    );

    // A client on another address is not HAProxy's address, nor the spoofer's: it has a budget of its own.
    const other = await registerVia(cluster.url, 'other_client', { localAddress: '127.0.0.2' });
    assert.equal(other.status, 201, `from 127.0.0.2: ${other.status} ${other.code}`);
    // And writing the spent address into the header does not make it someone else's.
    const framed = await registerVia(cluster.url, 'framed_client', { localAddress: '127.0.0.3', headers: { 'x-forwarded-for': '127.0.0.1' } });
    assert.equal(framed.status, 201, `from 127.0.0.3 claiming 127.0.0.1: ${framed.status} ${framed.code}`);
  });
}

// /metrics on a port of its own (METRICS_PORT), with the real server as a child process: served
// there, on the app's host, and nowhere on the app's port; without METRICS_PORT nothing changes.
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { describe, test } from 'node:test';
import { startServer, type RunningServer } from '../helpers/server.js';

/** A port nothing listens on right now (the kernel's pick, released at once). */
async function freePort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as { port: number };
  await new Promise((resolve) => probe.close(resolve));
  return port;
}

async function started(t: { after(fn: () => Promise<void>): void }, env: Record<string, string> = {}): Promise<RunningServer> {
  const server = await startServer({ env });
  t.after(() => server.close());
  return server;
}

describe('METRICS_PORT', () => {
  test('set: /metrics answers there, 404s on the app port, and the port closes on drain', async (t) => {
    const metricsPort = await freePort();
    const server = await started(t, { METRICS_PORT: String(metricsPort) });
    const metricsUrl = `http://127.0.0.1:${metricsPort}`;

    const onApp = await fetch(`${server.url}/metrics`);
    assert.equal(onApp.status, 404);
    assert.equal(((await onApp.json()) as { error: { code: string } }).error.code, 'NOT_FOUND');
    assert.equal((await fetch(`${server.url}/healthz`)).status, 200);

    const res = await fetch(`${metricsUrl}/metrics`);
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /^text\/plain/);
    const text = await res.text();
    assert.match(text, /^# HELP strobe_realtime_connections /m);
    // The app port's traffic is what it measures.
    assert.match(text, /^strobe_http_request_duration_seconds_count\{[^}]*route="\/healthz"[^}]*\} 1$/m);

    for (const path of ['/', '/healthz', '/metrics/x', '/api/me']) {
      const other = await fetch(`${metricsUrl}${path}`);
      assert.equal(other.status, 404, path);
      assert.equal(((await other.json()) as { error: { code: string } }).error.code, 'NOT_FOUND');
    }
    assert.equal((await fetch(`${metricsUrl}/metrics`, { method: 'POST' })).status, 404);

    assert.equal(await server.stop(), 0);
    await assert.rejects(fetch(`${metricsUrl}/metrics`), 'the metrics port is closed with the rest');
  });

  test('unset: /metrics stays on the app port', async (t) => {
    const server = await started(t);
    const res = await fetch(`${server.url}/metrics`);
    assert.equal(res.status, 200);
    assert.match(await res.text(), /^# HELP strobe_realtime_connections /m);
  });
});

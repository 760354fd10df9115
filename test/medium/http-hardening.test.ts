// HTTP hardening, in process (app.inject): security headers on every kind of response, /docs under
// its own policy, and client-chosen paths that must not cost the event loop more than a read.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { LightMyRequestResponse } from 'fastify';
import { buildTestApp, type TestApp } from '../helpers/app.js';

/** The policy's directives by name, e.g. `{ 'script-src': ["'self'"] }`. */
function csp(res: LightMyRequestResponse): Map<string, string[]> {
  const header = res.headers['content-security-policy'];
  assert.equal(typeof header, 'string', `no Content-Security-Policy on ${res.statusCode} ${res.body.slice(0, 100)}`);
  const directives = new Map<string, string[]>();
  for (const part of (header as string).split(';')) {
    const [name, ...values] = part.trim().split(/\s+/);
    if (name) directives.set(name, values);
  }
  return directives;
}

/** What every response carries, whatever answered it. */
function assertHardened(res: LightMyRequestResponse): void {
  const policy = csp(res);
  assert.deepEqual(policy.get('default-src'), ["'self'"]);
  assert.deepEqual(policy.get('script-src'), ["'self'"], 'no inline script, no eval');
  assert.deepEqual(policy.get('script-src-attr'), ["'none'"]);
  assert.deepEqual(policy.get('img-src'), ["'self'", 'data:', 'blob:']);
  assert.deepEqual(policy.get('connect-src'), ["'self'"]);
  assert.deepEqual(policy.get('object-src'), ["'none'"]);
  assert.deepEqual(policy.get('base-uri'), ["'self'"]);
  assert.deepEqual(policy.get('form-action'), ["'self'"]);
  assert.deepEqual(policy.get('frame-ancestors'), ["'none'"]);
  assert.equal(res.headers['x-content-type-options'], 'nosniff');
  assert.equal(res.headers['referrer-policy'], 'same-origin');
  assert.equal(res.headers['x-frame-options'], 'DENY');
}

describe('security headers (plain http)', () => {
  let app: TestApp;
  before(async () => {
    app = await buildTestApp(null);
  });
  after(() => app?.close());

  test('an API response, JSON included, carries them and no HSTS', async () => {
    for (const url of ['/api/feeds/latest', '/api/me', '/healthz']) {
      const res = await app.app.inject({ url });
      assertHardened(res);
      assert.match(String(res.headers['content-type']), /^application\/json/);
      assert.equal(res.headers['strict-transport-security'], undefined, url);
      assert.equal(csp(res).has('upgrade-insecure-requests'), false, 'would break a plain-http deployment');
    }
  });

  test('an app page, with styles from files only', async () => {
    const res = await app.app.inject({ url: '/chat/lobby' });
    assert.equal(res.statusCode, 200);
    assertHardened(res);
    assert.deepEqual(csp(res).get('style-src'), ["'self'"]);
  });

  test('a media 404, an unknown API route, a refused write and a body over the limit', async () => {
    const responses = [
      await app.app.inject({ url: `/media/${'a'.repeat(64)}.webp` }),
      await app.app.inject({ url: '/api/nothing-here' }),
      await app.app.inject({ method: 'POST', url: '/api/auth/logout', headers: { origin: 'https://evil.example' } }),
      await app.app.inject({ method: 'POST', url: '/api/auth/login', headers: { 'content-type': 'application/json' }, payload: `"${'x'.repeat(1_100_000)}"` }),
    ];
    assert.deepEqual(responses.map((r) => r.statusCode), [404, 404, 403, 413]);
    for (const res of responses) assertHardened(res);
  });

  test('/docs works under a policy of its own', async () => {
    const page = await app.app.inject({ url: '/docs' });
    assert.equal(page.statusCode, 200);
    assert.match(page.body, /swagger-ui/);
    assertHardened(page);
    // Swagger UI adds a <style> element at run time (see the browser test); its scripts are files.
    assert.deepEqual(csp(page).get('style-src'), ["'self'", "'unsafe-inline'"]);
    for (const url of ['/docs/static/swagger-initializer.js', '/docs/json']) {
      const res = await app.app.inject({ url });
      assert.equal(res.statusCode, 200, url);
      assertHardened(res);
    }
  });
});

describe('security headers behind https (PUBLIC_URL)', () => {
  let app: TestApp;
  before(async () => {
    app = await buildTestApp(null, { PUBLIC_URL: 'https://strobe.example' });
  });
  after(() => app?.close());

  test('HSTS and upgrade-insecure-requests on every response, /docs included', async () => {
    for (const url of ['/api/feeds/latest', '/chat/lobby', `/media/${'b'.repeat(64)}.webp`, '/docs']) {
      const res = await app.app.inject({ url });
      assertHardened(res);
      assert.equal(res.headers['strict-transport-security'], 'max-age=31536000', url);
      assert.equal(csp(res).has('upgrade-insecure-requests'), true, url);
    }
  });
});

describe('client-chosen paths', () => {
  let app: TestApp;
  before(async () => {
    app = await buildTestApp(null);
  });
  after(() => app?.close());

  test('a path of dots 404s with the error body, in linear time', async () => {
    // 100,000 dots before a slash took the old pattern (/\.[^/]*$/) 5.6 s of event loop here; a
    // linear scan takes milliseconds, so the bound is two orders of magnitude above it.
    const started = performance.now();
    const res = await app.app.inject({ method: 'POST', url: `/${'.'.repeat(100_000)}/` });
    const elapsed = performance.now() - started;
    assert.equal(res.statusCode, 404);
    assert.equal(res.json().error.code, 'NOT_FOUND');
    assert.match(res.json().error.message, /^POST \/\.{99} was not found\.$/);
    assert.ok(elapsed < 1_000, `took ${elapsed.toFixed(0)} ms`);
  });

  test('a dot in the last segment is a missing file, a dot before a slash is not', async () => {
    const file = await app.app.inject({ url: `/${'.'.repeat(15_000)}` });
    assert.equal(file.statusCode, 404);
    assert.equal(file.json().error.code, 'NOT_FOUND');
    assert.equal((await app.app.inject({ url: '/assets/gone-1234.js' })).statusCode, 404);
    // An app route whose earlier segment has a dot (a username like "a.b" would) gets the app.
    const route = await app.app.inject({ url: '/u/some.name/' });
    assert.equal(route.statusCode, 200);
    assert.doesNotMatch(String(route.headers['content-type']), /json/);
  });
});

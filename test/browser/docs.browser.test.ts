// The API documentation (Swagger UI at /docs) renders under its own Content-Security-Policy with no
// violation, and the app's pages under theirs.
// Needs the built bundle: `npx vite build`, then `node --import tsx --test test/browser/docs.browser.test.ts`.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { browserApp } from '../helpers/browser-app.js';

const { open } = browserApp();

test('/docs shows the API under its policy, with no violation', async () => {
  const { page, errors } = await open();
  const res = await page.goto('/docs');
  assert.equal(res?.status(), 200);
  assert.match(res?.headers()['content-security-policy'] ?? '', /frame-ancestors 'none'/);
  // The operations come from /docs/json, fetched and rendered by Swagger UI's scripts.
  await page.getByText('/api/auth/register').first().waitFor();
  await page.locator('.topbar img').waitFor();
  // Expanding an operation renders its schemas, more of the UI than the first paint.
  await page.getByText('/api/auth/register').first().click();
  await page.getByText('Request body').first().waitFor();
  await page.waitForTimeout(300);
  assert.deepEqual(errors, []);
});

test('a policy violation is caught by the page helper', async () => {
  const { page, errors } = await open();
  await page.goto('/');
  await page.getByRole('heading', { name: 'Latest' }).waitFor();
  // What an injected inline script would do: the policy blocks it and the helper records it.
  await page.evaluate(() => {
    const script = document.createElement('script');
    script.textContent = 'window.__ran = true';
    document.body.append(script);
  });
  await page.waitForTimeout(200);
  assert.equal(await page.evaluate(() => (window as unknown as { __ran?: boolean }).__ran), undefined);
  assert.equal(errors.filter((e) => e.startsWith('csp: script-src-elem')).length, 1, errors.join('\n'));
});

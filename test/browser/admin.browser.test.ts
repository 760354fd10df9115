// The admin page against the real server: an admin watches the instance live; anyone else is told
// the page is for admins only. Needs the built bundle: `npx vite build`, then
// `node --import tsx --test test/browser/admin.browser.test.ts`.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { browserApp, register, uniqueName, waitConnected } from '../helpers/browser-app.js';
import { JOB_NAMES } from '../../src/ports/jobs.js';

const app = browserApp();

test('an admin sees the instance live on /admin; others see "admins only" and no Admin link', async () => {
  // The first account on a fresh server is an admin.
  const root = await app.open();
  await register(root.page, uniqueName('root'));
  await root.page.getByRole('link', { name: 'Admin' }).click();
  await root.page.waitForURL('**/admin');
  await waitConnected(root.page);
  await root.page.getByRole('heading', { name: 'Operations' }).waitFor();

  const row = root.page.getByTestId('instance-row');
  await row.waitFor();
  assert.equal(await row.count(), 1, 'one instance: this server');
  assert.match((await row.locator('th').textContent()) ?? '', /-\d+-[0-9a-f]{6}$/);
  assert.match((await row.textContent()) ?? '', /web \+ worker/);
  const connections = row.getByTestId('instance-connections');
  // Heartbeats come every 5 s: the admin's own connection shows, then a newcomer's.
  await root.page.waitForFunction((el) => Number(el?.textContent) >= 1, await connections.elementHandle(), { timeout: 15_000 });

  const bob = await app.open();
  await register(bob.page, uniqueName('bob'));
  await waitConnected(bob.page);
  await root.page.waitForFunction((el) => Number(el?.textContent) >= 2, await connections.elementHandle(), { timeout: 15_000 });

  const queues = root.page.getByTestId('queue-row');
  assert.equal(await queues.count(), JOB_NAMES.length, 'a row per job queue');
  const resize = root.page.locator('[data-testid="queue-row"][data-queue="photo.resize"]');
  assert.equal(await resize.getByTestId('queue-dead').textContent(), '0');
  assert.equal(await resize.getByRole('button', { name: 'Retry dead jobs' }).isDisabled(), true);
  await root.page.getByText('No dead-lettered jobs.').waitFor();

  assert.equal(await bob.page.getByRole('link', { name: 'Admin' }).count(), 0, 'no Admin link for others');
  await bob.page.goto('/admin');
  await bob.page.getByTestId('admins-only').waitFor();
  assert.equal(await bob.page.getByRole('heading', { name: 'Admins only' }).count(), 1);
  assert.equal(await bob.page.getByTestId('instance-row').count(), 0);

  assert.deepEqual(root.errors, []);
  assert.deepEqual(bob.errors, []);
});

test('signed out, /admin asks you to log in first', async () => {
  const { page, errors } = await app.open();
  await page.goto('/admin');
  await page.waitForURL('**/login?next=%2Fadmin');
  assert.deepEqual(errors, []);
});

// Blocking in the browser against the real server: ann watches the latest wall with bob's photo on
// it, blocks bob from his profile in another tab (with a confirmation), and bob's photo leaves her
// open wall without a reload, while ann's photo leaves bob's open wall too; settings list bob with
// Unblock.
// Needs the built bundle: `npx vite build`, then `node --import tsx --test test/browser/blocks.browser.test.ts`.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { BrowserContext, Page } from 'playwright-core';
import type { Photo } from '../../src/shared/api.js';
import { browserApp, register, uniqueName, waitConnected } from '../helpers/browser-app.js';
import { makeJpeg } from '../helpers/images.js';
import { readyPhoto, uploadOk } from '../helpers/photos.js';

const app = browserApp();

async function cookieOf(context: BrowserContext): Promise<string> {
  const cookies = await context.cookies();
  assert.ok(cookies.length > 0, 'signed in');
  return cookies.map((c) => `${c.name}=${c.value}`).join('; ');
}

async function uploadReady(context: BrowserContext, caption: string): Promise<Photo> {
  const cookie = await cookieOf(context);
  const photo = await uploadOk(app.url, cookie, { file: await makeJpeg({ width: 200, height: 150 }), caption });
  return readyPhoto(app.url, photo.id, cookie);
}

const card = (page: Page, id: string) => page.locator(`[data-testid="photo-card"][data-id="${id}"]`);

test("a block takes the other's photo off both open walls live, and settings can lift it", { timeout: 90_000 }, async () => {
  const ann = await app.open();
  const bob = await app.open();
  const annName = uniqueName('ann');
  const bobName = uniqueName('bob');
  await register(ann.page, annName);
  await register(bob.page, bobName);
  const bobsPhoto = await uploadReady(bob.context, 'by bob');
  const annsPhoto = await uploadReady(ann.context, 'by ann');

  // Both watch the latest wall, each with the other's photo on it.
  for (const { page } of [ann, bob]) {
    await page.goto('/');
    await waitConnected(page);
  }
  await card(ann.page, bobsPhoto.id).waitFor();
  await card(bob.page, annsPhoto.id).waitFor();

  // In another tab, ann blocks bob from his profile, after a confirmation that says what it does.
  const tab = await ann.context.newPage();
  await tab.goto(`/u/${bobName}`);
  await waitConnected(tab);
  await tab.getByTestId('block-button').click();
  const confirm = tab.getByTestId('block-confirm');
  await confirm.waitFor();
  assert.match(await confirm.innerText(), /Neither of you will see the other’s photos, comments, chat messages or presence/);
  await tab.getByTestId('block-confirm-button').click();
  await tab.locator('[data-testid="block-button"][data-blocking="true"]').waitFor();
  assert.equal(await tab.getByTestId('block-button').innerText(), 'Unblock');

  // The open walls drop the other's photo, without a reload; the rest stays.
  await card(ann.page, bobsPhoto.id).waitFor({ state: 'detached' });
  await card(bob.page, annsPhoto.id).waitFor({ state: 'detached' });
  await card(ann.page, annsPhoto.id).waitFor();
  await card(bob.page, bobsPhoto.id).waitFor();
  // A reload agrees: the server leaves it out too.
  await ann.page.reload();
  await waitConnected(ann.page);
  await card(ann.page, annsPhoto.id).waitFor();
  assert.equal(await card(ann.page, bobsPhoto.id).count(), 0);

  // Settings list bob; Unblock lifts it.
  await tab.goto('/settings');
  const row = tab.locator(`[data-testid="blocked-user"][data-username="${bobName}"]`);
  await row.waitFor();
  await row.getByTestId('unblock-button').click();
  await row.waitFor({ state: 'detached' });
  await tab.getByText('You have not blocked anyone.').waitFor();
  await ann.page.reload();
  await waitConnected(ann.page);
  await card(ann.page, bobsPhoto.id).waitFor();
  assert.deepEqual([...ann.errors, ...bob.errors], []);
});

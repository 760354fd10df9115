// The photo pages against the real server: upload with progress, processing placeholder, live
// walls for signed-out visitors, captions as text, live follow and like counts, notifications.
// Needs the built bundle: `npx vite build`, then `node --import tsx --test test/browser/photos.browser.test.ts`.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { APIRequestContext, Page } from 'playwright-core';
import type { Photo } from '../../src/shared/api.js';
import { browserApp, register, uniqueName, waitConnected } from '../helpers/browser-app.js';
import { makeJpeg, pngClaiming } from '../helpers/images.js';

const { open } = browserApp();

/** Goes to a page and waits until its live subscription is up, so nothing published later is missed. */
async function visit(page: Page, path: string): Promise<void> {
  await page.goto(path);
  await waitConnected(page);
  // The first subscribe refetches the wall; wait for that to settle.
  await page.waitForLoadState('networkidle');
}

/** Uploads over the API with the context's cookie and waits until the photo is ready. */
async function uploadViaApi(request: APIRequestContext, opts: { caption?: string; city?: string } = {}): Promise<Photo> {
  const multipart: Record<string, string | { name: string; mimeType: string; buffer: Buffer }> = {};
  if (opts.caption) multipart.caption = opts.caption;
  if (opts.city) multipart.city = opts.city;
  multipart.file = { name: 'small.jpg', mimeType: 'image/jpeg', buffer: await makeJpeg({ width: 640, height: 480 }) };
  const res = await request.post('/api/photos', { multipart });
  assert.equal(res.status(), 202, await res.text());
  const { photo } = (await res.json()) as { photo: Photo };
  for (let i = 0; i < 100; i++) {
    const now = ((await (await request.get(`/api/photos/${photo.id}`)).json()) as { photo: Photo }).photo;
    if (now.status === 'ready') return now;
    assert.notEqual(now.status, 'failed', now.failure ?? '');
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`photo ${photo.id} was not ready in 10 s`);
}

const card = (page: Page, id: string) => page.locator(`[data-testid="photo-card"][data-id="${id}"]`);

/**
 * Records, in the page, every upload progress value and every status each photo card shows, so
 * the test can check states too brief to catch with a wait (processing can take under 100 ms).
 */
async function recordStates(page: Page): Promise<void> {
  // A string, not a function: tsx would compile a function with helpers the page does not have.
  await page.evaluate(`(() => {
    const seen = { progress: [], statuses: {} };
    const scan = () => {
      const bar = document.querySelector('[data-testid="upload-progress"]');
      if (bar && seen.progress.at(-1) !== bar.value) seen.progress.push(bar.value);
      for (const el of document.querySelectorAll('[data-testid="photo-card"]')) {
        const list = (seen.statuses[el.dataset.id] ??= []);
        if (list.at(-1) !== el.dataset.status) list.push(el.dataset.status);
      }
    };
    new MutationObserver(scan).observe(document.body, { subtree: true, childList: true, attributes: true });
    window.__seen = seen;
  })()`);
}

async function recorded(page: Page): Promise<{ progress: number[]; statuses: Record<string, string[]> }> {
  return page.evaluate(() => (window as unknown as { __seen: { progress: number[]; statuses: Record<string, string[]> } }).__seen);
}

test('an upload shows real progress, then a processing card, then the photo; a signed-out wall gets it live, caption as text', async () => {
  const alice = await open();
  const guest = await open();
  await register(alice.page, uniqueName('alice'));
  await visit(alice.page, '/');
  await visit(guest.page, '/');
  // Proof that the guest's page is never reloaded: a reload would lose this.
  await guest.page.evaluate(() => Object.assign(window, { __sameDocument: true }));
  await recordStates(alice.page);

  // Slow the upload down (about 4 MB at 4 MB/s) so the progress bar has something to show.
  const cdp = await alice.context.newCDPSession(alice.page);
  await cdp.send('Network.enable');
  await cdp.send('Network.emulateNetworkConditions', { offline: false, latency: 0, downloadThroughput: -1, uploadThroughput: 4 * 1024 * 1024 });

  const jpeg = await makeJpeg({ width: 3000, height: 2000 });
  const caption = `<img src=x onerror=alert(1)><script>alert(2)</script> ${Date.now()}`;
  await alice.page.getByTestId('upload-open').click();
  await alice.page.getByTestId('upload-file').setInputFiles({ name: 'big.jpg', mimeType: 'image/jpeg', buffer: jpeg });
  await alice.page.getByTestId('upload-caption').fill(caption);
  assert.match((await alice.page.locator('#caption-count').textContent()) ?? '', new RegExp(`^${500 - caption.length} characters left$`));
  // The city picker suggests by prefix; Enter takes the first (biggest) match.
  await alice.page.locator('#upload-city').fill('pari');
  await alice.page.getByTestId('city-option').first().waitFor();
  await alice.page.locator('#upload-city').press('Enter');
  await alice.page.getByRole('button', { name: 'Clear city' }).waitFor();
  await alice.page.getByTestId('upload-submit').click();
  await alice.page.getByTestId('upload-progress').waitFor();

  // The dialog closes on the 202; the card is there at once.
  await alice.page.getByTestId('upload-dialog').waitFor({ state: 'detached', timeout: 30_000 });
  await cdp.send('Network.emulateNetworkConditions', { offline: false, latency: 0, downloadThroughput: -1, uploadThroughput: -1 });
  const mine = alice.page.locator('[data-testid="photo-card"]').filter({ hasText: caption });
  await mine.waitFor();
  const id = await mine.getAttribute('data-id');
  assert.ok(id);
  await card(alice.page, id).locator('[data-testid="photo-image"][data-loaded="true"]').waitFor({ timeout: 20_000 });

  const seen = await recorded(alice.page);
  assert.ok(
    seen.progress.some((v) => v > 0 && v < 100),
    `progress went through intermediate values: ${JSON.stringify(seen.progress)}`,
  );
  assert.deepEqual(seen.statuses[id], ['processing', 'ready']);
  assert.equal(await mine.count(), 1);
  assert.equal(await mine.getByTestId('photo-city').getAttribute('href'), '/cities/paris-fr');

  // The signed-out wall got it live, once, with the caption as text.
  const shown = card(guest.page, id);
  await shown.locator('[data-testid="photo-image"][data-loaded="true"]').waitFor({ timeout: 20_000 });
  assert.equal(await guest.page.evaluate(() => (window as unknown as { __sameDocument?: boolean }).__sameDocument), true);
  assert.equal(await card(guest.page, id).count(), 1);
  for (const page of [alice.page, guest.page]) {
    assert.equal(await card(page, id).getByTestId('photo-caption').textContent(), caption);
    assert.equal(await page.locator('img[src="x"], [data-testid="photo-grid"] script').count(), 0);
  }
  // The thumbnail is a WebP from /media, its thumbhash painted under it.
  const img = shown.getByTestId('photo-image');
  assert.match((await img.getAttribute('src')) ?? '', /^\/media\/.+\.webp$/);
  assert.match((await shown.locator('.photo-img').getAttribute('style')) ?? '', /data:image\/png;base64/);

  // The lightbox shows the display variant and the caption, as text.
  await shown.getByRole('button', { name: /Open photo/ }).click();
  const detail = guest.page.getByTestId('photo-detail');
  await detail.waitFor();
  assert.equal(await detail.getByTestId('detail-caption').textContent(), caption);
  await guest.page.waitForTimeout(300); // time for a would-be onerror handler to fire
  assert.deepEqual(alice.dialogs, []);
  assert.deepEqual(guest.dialogs, []);
  assert.deepEqual(alice.errors, []);
  assert.deepEqual(guest.errors, []);
});

test('follow and like counts move live on other screens; the bell counts and lists them', async () => {
  const alice = await open();
  const bob = await open();
  const guest = await open();
  const aliceName = uniqueName('alice');
  await register(alice.page, aliceName);
  await register(bob.page, uniqueName('bob'));
  const photo = await uploadViaApi(alice.context.request, { caption: 'likes go here' });

  await visit(guest.page, `/u/${aliceName}`);
  await visit(bob.page, `/u/${aliceName}`);
  await visit(alice.page, `/u/${aliceName}`);
  const followers = (page: Page) => page.getByTestId('count-followers').textContent();
  assert.equal(await followers(guest.page), '0 followers');
  // Her upload already brought notifications (ready, first-photo badge): read them first.
  await alice.page.getByTestId('unread-count').waitFor();
  await alice.page.getByTestId('bell').click();
  await alice.page.getByTestId('unread-count').waitFor({ state: 'detached' });
  await alice.page.keyboard.press('Escape');
  await alice.page.getByTestId('notifications').waitFor({ state: 'detached' });

  await bob.page.getByTestId('follow-button').click();
  await bob.page.locator('[data-testid="follow-button"][aria-pressed="true"]').waitFor();
  assert.equal(await followers(bob.page), '1 follower');
  await guest.page.getByTestId('count-followers').filter({ hasText: '1 follower' }).waitFor();
  await alice.page.getByTestId('count-followers').filter({ hasText: '1 follower' }).waitFor();

  // Alice and bob both open the photo; bob likes it; alice sees the count move.
  await card(alice.page, photo.id).getByRole('button', { name: /Open photo/ }).click();
  await card(bob.page, photo.id).getByRole('button', { name: /Open photo/ }).click();
  const aliceLikes = alice.page.getByTestId('like-count');
  assert.equal(await aliceLikes.textContent(), '0');
  await bob.page.getByTestId('like-button').click();
  await bob.page.locator('[data-testid="like-button"][aria-pressed="true"]').waitFor();
  assert.equal(await bob.page.getByTestId('like-count').textContent(), '1');
  await alice.page.getByTestId('like-count').filter({ hasText: /^1$/ }).waitFor();

  // Unlike goes back to 0 everywhere.
  await bob.page.getByTestId('like-button').click();
  await bob.page.locator('[data-testid="like-button"][aria-pressed="false"]').waitFor();
  await alice.page.getByTestId('like-count').filter({ hasText: /^0$/ }).waitFor();

  // The follow and the like reached alice's bell live; opening it lists them and clears the count.
  await alice.page.keyboard.press('Escape');
  await alice.page.getByTestId('lightbox').waitFor({ state: 'detached' });
  await alice.page.getByTestId('unread-count').waitFor();
  await alice.page.getByTestId('bell').click();
  const panel = alice.page.getByTestId('notifications');
  await panel.locator('[data-testid="notification"][data-type="follow"]').waitFor();
  await panel.locator('[data-testid="notification"][data-type="like"]').waitFor();
  await alice.page.getByTestId('unread-count').waitFor({ state: 'detached' });
  // Read on the server too: a reload shows no unread count.
  await visit(alice.page, '/');
  await alice.page.getByTestId('bell').waitFor();
  assert.equal(await alice.page.getByTestId('unread-count').count(), 0);

  for (const o of [alice, bob, guest]) assert.deepEqual(o.errors, []);
});

test('an upload the server refuses shows its message; nothing is added to the wall', async () => {
  const { page, context, errors } = await open();
  await register(page, uniqueName('erin'));
  await visit(page, '/');
  const fake = Buffer.from('this is not an image, whatever its name says');
  const res = await context.request.post('/api/photos', { multipart: { file: { name: 'fake.jpg', mimeType: 'image/jpeg', buffer: fake } } });
  assert.ok(res.status() >= 400 && res.status() < 500, `status ${res.status()}`);
  const { error } = (await res.json()) as { error: { message: string } };

  const before = await page.getByTestId('photo-card').count();
  await page.getByTestId('upload-open').click();
  await page.getByTestId('upload-file').setInputFiles({ name: 'fake.jpg', mimeType: 'image/jpeg', buffer: fake });
  await page.getByTestId('upload-submit').click();
  const alert = page.getByTestId('upload-dialog').getByRole('alert');
  await alert.waitFor();
  assert.equal((await alert.textContent())?.trim(), error.message);
  assert.equal(await page.getByTestId('photo-card').count(), before);
  assert.deepEqual(errors, []);
});

test('a deleted photo leaves the walls live; a new photo bumps its city on the cities wall', async () => {
  const alice = await open();
  const guest = await open();
  const aliceName = uniqueName('alice');
  await register(alice.page, aliceName);
  await visit(guest.page, '/cities');

  const photo = await uploadViaApi(alice.context.request, { caption: 'from tokyo', city: 'tokyo-jp' });
  const tile = guest.page.locator('[data-testid="city-tile"][data-slug="tokyo-jp"]');
  await tile.locator(`[data-testid="photo-image"]`).waitFor();
  assert.equal(await guest.page.getByTestId('city-tile').first().getAttribute('data-slug'), 'tokyo-jp');

  await visit(guest.page, '/');
  await card(guest.page, photo.id).waitFor();
  await visit(alice.page, `/u/${aliceName}`);
  await card(alice.page, photo.id).getByRole('button', { name: /Open photo/ }).click();
  await alice.page.getByTestId('delete-photo').click();
  await alice.page.getByTestId('confirm-delete').click();
  await alice.page.getByTestId('lightbox').waitFor({ state: 'detached' });
  await card(alice.page, photo.id).waitFor({ state: 'detached' });
  await card(guest.page, photo.id).waitFor({ state: 'detached' });
  assert.deepEqual(alice.errors, []);
  assert.deepEqual(guest.errors, []);
});

test('a photo that fails processing shows the reason on its card and in the bell', async () => {
  const { page, context, errors } = await open();
  await register(page, uniqueName('fay'));
  await visit(page, '/');
  // A PNG whose header passes the upload checks but whose pixels cannot be decoded.
  await page.getByTestId('upload-open').click();
  await page.getByTestId('upload-file').setInputFiles({ name: 'broken.png', mimeType: 'image/png', buffer: pngClaiming(100, 100) });
  await page.getByTestId('upload-submit').click();
  const failed = page.locator('[data-testid="photo-card"][data-status="failed"]');
  await failed.waitFor();
  const id = await failed.getAttribute('data-id');
  const { photo } = (await (await context.request.get(`/api/photos/${id}`)).json()) as { photo: Photo };
  assert.equal(photo.status, 'failed');
  assert.ok(photo.failure);
  assert.equal(await failed.locator('.photo-card__reason').textContent(), photo.failure);

  await page.getByTestId('unread-count').waitFor();
  await page.getByTestId('bell').click();
  const note = page.locator('[data-testid="notification"][data-type="photo.failed"]');
  await note.waitFor();
  assert.ok((await note.textContent())?.includes(photo.failure), 'the notification gives the reason');

  // The owner can remove it.
  await page.keyboard.press('Escape');
  await failed.getByRole('button', { name: 'Remove' }).click();
  await card(page, id!).waitFor({ state: 'detached' });
  assert.equal((await context.request.get(`/api/photos/${id}`)).status(), 404);
  assert.deepEqual(errors, []);
});

test('a wall that was offline gets what it missed after reconnecting, once', async () => {
  const alice = await open();
  const guest = await open();
  await register(alice.page, uniqueName('gus'));
  await visit(guest.page, '/');
  await guest.context.setOffline(true);
  await guest.page.locator('[data-testid="conn-status"][data-state="disconnected"]').waitFor();
  const photo = await uploadViaApi(alice.context.request, { caption: 'while you were away' });
  await guest.context.setOffline(false);
  await waitConnected(guest.page);
  await card(guest.page, photo.id).waitFor();
  await guest.page.waitForTimeout(300); // a duplicate would arrive about now
  assert.equal(await card(guest.page, photo.id).count(), 1);
  assert.deepEqual(guest.errors, []);
});

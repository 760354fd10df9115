// The settings page against the real server: profile text as text everywhere, the avatar upload
// (progress, processing, the picture in settings and beside chat messages, refusals), password
// change, sign out everywhere, data export and account deletion.
// Needs the built bundle: `npx vite build`, then `node --import tsx --test test/browser/settings.browser.test.ts`.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { APIRequestContext, Page } from 'playwright-core';
import type { Photo } from '../../src/shared/api.js';
import { browserApp, PASSWORD, register, uniqueName, waitConnected } from '../helpers/browser-app.js';
import { makeJpeg } from '../helpers/images.js';

const { open } = browserApp();

const XSS = '<img src=x onerror=alert(1)>';

/** Opens the settings page and waits for the live connection, so the user stream is subscribed. */
async function openSettings(page: Page): Promise<void> {
  await page.goto('/settings');
  await page.getByTestId('settings').waitFor();
  await waitConnected(page);
}

async function login(page: Page, username: string, password: string): Promise<void> {
  await page.goto('/login');
  await page.getByLabel('Username').fill(username);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Log in' }).click();
}

async function uploadPhotoViaApi(request: APIRequestContext): Promise<Photo> {
  const file = { name: 'small.jpg', mimeType: 'image/jpeg', buffer: await makeJpeg({ width: 320, height: 240 }) };
  const res = await request.post('/api/photos', { multipart: { file } });
  assert.equal(res.status(), 202, await res.text());
  const { photo } = (await res.json()) as { photo: Photo };
  for (let i = 0; i < 100; i++) {
    const now = ((await (await request.get(`/api/photos/${photo.id}`)).json()) as { photo: Photo }).photo;
    if (now.status === 'ready') return now;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`photo ${photo.id} was not ready in 10 s`);
}

/** Records every avatar status and progress value, so states shorter than a poll are seen too. */
async function recordAvatarStates(page: Page): Promise<void> {
  // A string, not a function: tsx would compile a function with helpers the page does not have.
  await page.evaluate(`(() => {
    const seen = { progress: [], states: [] };
    const scan = () => {
      const bar = document.querySelector('[data-testid="avatar-progress"]');
      if (bar && seen.progress.at(-1) !== bar.value) seen.progress.push(bar.value);
      const status = document.querySelector('[data-testid="avatar-status"]');
      const state = status ? status.dataset.state : 'none';
      if (seen.states.at(-1) !== state) seen.states.push(state);
    };
    new MutationObserver(scan).observe(document.body, { subtree: true, childList: true, attributes: true });
    scan();
    window.__avatar = seen;
  })()`);
}

test('display name and bio are saved, and an XSS payload in them shows as text on the profile and in the top bar', async () => {
  const { page, dialogs, errors } = await open();
  const username = uniqueName('pat');
  await register(page, username);
  await openSettings(page);

  const profile = page.getByTestId('settings-profile');
  const displayName = `${XSS} Pat`;
  const bio = `${XSS}<script>alert(2)</script> likes 🌄`;
  await profile.getByLabel('Display name').fill(displayName);
  await profile.getByLabel('Bio').fill(bio);
  // The count is live and counts an emoji as one character, as the server does.
  assert.equal(await profile.getByTestId('bio-count').textContent(), `${300 - [...bio].length} characters left`);
  await profile.getByTestId('profile-save').click();
  await profile.getByTestId('form-success').waitFor();
  // Saved: nothing left to save.
  assert.equal(await profile.getByTestId('profile-save').isDisabled(), true);

  // An empty display name is refused before sending.
  await profile.getByLabel('Display name').fill('   ');
  await profile.getByTestId('field-error').filter({ hasText: 'Enter a display name' }).waitFor();
  assert.equal(await profile.getByTestId('profile-save').isDisabled(), true);

  // The top bar shows the new display name, as text.
  await page.locator('.topbar').getByText(displayName, { exact: false }).first().waitFor();

  // The profile page shows both, as text.
  await page.goto(`/u/${username}`);
  const main = page.locator('main');
  await main.getByText(displayName, { exact: false }).first().waitFor();
  await main.getByText(bio, { exact: false }).first().waitFor();
  assert.equal(await page.locator('img[src="x"], main script').count(), 0);

  // A reload of the settings shows what was saved.
  await openSettings(page);
  assert.equal(await page.getByTestId('display-name').inputValue(), displayName);
  assert.equal(await page.getByTestId('bio').inputValue(), bio);
  assert.deepEqual(dialogs, []);
  assert.deepEqual(errors, []);
});

test('an avatar upload shows progress, then processing, then the picture, in settings and beside chat messages', async () => {
  const { page, context, errors, dialogs } = await open();
  await register(page, uniqueName('ava'));
  await openSettings(page);
  const section = page.getByTestId('settings-avatar');
  assert.equal(await section.getByTestId('avatar-current').getByTestId('avatar-image').count(), 0);

  const jpeg = await makeJpeg({ width: 3000, height: 2000 });
  await section.getByTestId('avatar-file').setInputFiles({ name: 'me.jpg', mimeType: 'image/jpeg', buffer: jpeg });
  // The crop preview: the local file, centre square (object-fit: cover in a square box).
  const preview = section.getByTestId('avatar-preview');
  await preview.waitFor();
  const previewSrc = (await preview.getAttribute('src')) ?? '';
  assert.match(previewSrc, /^blob:/);
  const box = await preview.evaluate((img) => {
    const s = getComputedStyle(img);
    return { fit: s.objectFit, width: img.getBoundingClientRect().width, height: img.getBoundingClientRect().height };
  });
  assert.equal(box.fit, 'cover', 'settings.css must be included (an @import in web/src/styles.css)');
  assert.equal(box.width, box.height);

  // Slow the upload (about 4 MB at 4 MB/s) so the progress bar has something to show.
  await recordAvatarStates(page);
  const cdp = await context.newCDPSession(page);
  await cdp.send('Network.enable');
  await cdp.send('Network.emulateNetworkConditions', { offline: false, latency: 0, downloadThroughput: -1, uploadThroughput: 4 * 1024 * 1024 });
  await section.getByTestId('avatar-save').click();
  await section.getByTestId('avatar-progress').waitFor();

  const image = section.getByTestId('avatar-current').getByTestId('avatar-image');
  await image.waitFor({ timeout: 30_000 });
  await cdp.send('Network.emulateNetworkConditions', { offline: false, latency: 0, downloadThroughput: -1, uploadThroughput: -1 });
  assert.match((await image.getAttribute('src')) ?? '', /^\/media\//);
  await section.getByTestId('form-success').waitFor();
  const seen = await page.evaluate(() => (window as unknown as { __avatar: { progress: number[]; states: string[] } }).__avatar);
  assert.ok(seen.progress.some((v) => v > 0 && v < 100), `progress went through intermediate values: ${JSON.stringify(seen.progress)}`);
  assert.deepEqual(seen.states, ['none', 'uploading', 'processing', 'none']);
  // The preview's object URL was revoked once the picture was in place: it no longer loads.
  const loads = `new Promise((resolve) => { const img = new Image(); img.onload = () => resolve(true); img.onerror = () => resolve(false); img.src = ${JSON.stringify(previewSrc)}; })`;
  assert.equal(await page.evaluate(loads), false);

  // Beside your own chat message.
  await page.goto('/chat/lobby');
  await waitConnected(page);
  const text = `hello with a face ${Date.now()}`;
  await page.getByTestId('composer').fill(text);
  await page.getByTestId('composer').press('Enter');
  const mine = page.locator('[data-testid="message"]').filter({ hasText: text });
  await mine.waitFor();
  assert.match((await mine.getByTestId('avatar-image').getAttribute('src')) ?? '', /^\/media\//);

  // A file that is not an image: refused here when it says so, by the server (415) when it lies.
  await openSettings(page);
  const notes = Buffer.from('just some notes, not a picture\n');
  await section.getByTestId('avatar-file').setInputFiles({ name: 'notes.txt', mimeType: 'text/plain', buffer: notes });
  await section.locator('[data-testid="field-error"][data-code="CLIENT_CHECK"]').filter({ hasText: 'not an image' }).waitFor();
  assert.equal(await section.getByTestId('avatar-save').isDisabled(), true);
  await section.getByTestId('avatar-file').setInputFiles({ name: 'notes.jpg', mimeType: 'image/jpeg', buffer: notes });
  await section.getByTestId('avatar-save').click();
  const refused = section.locator('[data-testid="form-error"][data-code="UNSUPPORTED_MEDIA_TYPE"]');
  await refused.waitFor();
  assert.notEqual((await refused.textContent())?.trim(), '');
  // The picture in place stays.
  assert.match((await image.getAttribute('src')) ?? '', /^\/media\//);

  // Remove picture: back to the initial.
  await section.getByTestId('avatar-remove').click();
  await image.waitFor({ state: 'detached' });
  await section.getByTestId('form-success').filter({ hasText: 'removed' }).waitFor();
  assert.deepEqual(dialogs, []);
  assert.deepEqual(errors, []);
});

test('a wrong current password is shown on its field; a right one changes it and signs out the other sessions', async () => {
  const me = await open();
  const other = await open();
  const username = uniqueName('pw');
  await register(me.page, username);
  await login(other.page, username, PASSWORD);
  await other.page.waitForURL('**/chat/lobby');
  await openSettings(me.page);

  const section = me.page.getByTestId('settings-password');
  await section.getByTestId('current-password').fill('not my password');
  await section.getByTestId('new-password').fill('a brand new secret');
  await section.getByTestId('confirm-password').fill('a brand new secret');
  await section.getByTestId('password-save').click();
  const wrong = section.locator('[data-testid="field-error"][data-code="WRONG_PASSWORD"]');
  await wrong.waitFor();
  assert.match((await wrong.textContent()) ?? '', /Your current password is wrong/);
  assert.equal(await section.getByTestId('current-password').getAttribute('aria-invalid'), 'true');

  // A confirmation that differs is caught before sending.
  await section.getByTestId('current-password').fill(PASSWORD);
  await section.getByTestId('confirm-password').fill('a brand new secreT');
  await section.getByTestId('field-error').filter({ hasText: 'differ' }).waitFor();
  await section.getByTestId('confirm-password').fill('a brand new secret');
  await section.getByTestId('password-save').click();
  await section.getByTestId('form-success').filter({ hasText: 'signed out' }).waitFor();

  // This tab stays signed in; the other session is gone.
  await me.page.reload();
  await me.page.getByTestId('settings').waitFor();
  await other.page.reload();
  await other.page.waitForURL('**/login?next=*');
  await login(other.page, username, 'a brand new secret');
  await other.page.waitForURL('**/chat/lobby');
  assert.deepEqual(me.errors, []);
});

test('sign out everywhere ends this session and the others, and lands on the login page', async () => {
  const me = await open();
  const other = await open();
  const username = uniqueName('out');
  await register(me.page, username);
  await login(other.page, username, PASSWORD);
  await other.page.waitForURL('**/chat/lobby');
  await openSettings(me.page);

  await me.page.getByTestId('logout-all').click();
  await me.page.getByTestId('logout-all-confirm').click();
  await me.page.waitForURL((url) => url.pathname === '/login');
  assert.equal(await me.page.getByTestId('current-user').count(), 0);
  assert.equal((await me.context.request.get('/api/me')).status(), 401);
  assert.equal((await other.context.request.get('/api/me')).status(), 401);
  assert.deepEqual(me.errors, []);
});

test('a data export goes from pending to a download link', async () => {
  const { page, context, errors } = await open();
  await register(page, uniqueName('exp'));
  await openSettings(page);
  const section = page.getByTestId('settings-export');
  await section.getByTestId('export-request').click();
  await section.locator('[data-testid="export-status"][data-status="ready"]').waitFor({ timeout: 30_000 });
  const href = await section.getByTestId('export-download').getAttribute('href');
  assert.match(href ?? '', /^\/api\/me\/exports\/\d+$/);
  const res = await context.request.get(href!);
  assert.equal(res.status(), 200);
  assert.equal(res.headers()['content-type'], 'application/zip');

  // A reload still shows the link; a second export within the hour is refused, with the reason.
  await openSettings(page);
  await section.locator('[data-testid="export-status"][data-status="ready"]').waitFor();
  await section.getByTestId('export-request').click();
  await section.locator('[data-testid="form-error"][data-code="RATE_LIMITED"]').waitFor();
  assert.deepEqual(errors, []);
});

test('deleting the account needs the password, names what goes, signs out, and the user is gone', async () => {
  const { page, context, errors } = await open();
  const username = uniqueName('bye');
  await register(page, username);
  await uploadPhotoViaApi(context.request);
  await openSettings(page);

  await page.getByTestId('delete-account').click();
  const dialog = page.getByTestId('delete-dialog');
  await dialog.waitFor();
  const goes = dialog.getByTestId('delete-what-goes');
  await goes.getByText('your 1 photo', { exact: true }).waitFor();
  for (const what of ['your comments, likes and follows', 'your notifications']) await goes.getByText(what).waitFor();
  await dialog.getByText('Your chat messages stay, shown as from a deleted user').waitFor();
  await dialog.getByText('cannot be taken by anyone for 30 days').waitFor();

  // Escape closes it and nothing happens.
  await page.keyboard.press('Escape');
  await dialog.waitFor({ state: 'detached' });
  await page.getByTestId('delete-account').click();

  await dialog.getByLabel('Your password').fill('not my password');
  await dialog.getByTestId('delete-confirm').click();
  await dialog.locator('[data-testid="field-error"][data-code="WRONG_PASSWORD"]').waitFor();
  await dialog.getByLabel('Your password').fill(PASSWORD);
  await dialog.getByTestId('delete-confirm').click();

  // Signed out, on the latest photos, with a notice.
  await page.waitForURL((url) => url.pathname === '/');
  await page.getByTestId('farewell').filter({ hasText: 'deleted' }).waitFor();
  await page.getByRole('link', { name: 'Log in' }).waitFor();
  assert.equal(await page.getByTestId('current-user').count(), 0);

  await page.goto(`/u/${username}`);
  await page.getByRole('heading', { name: 'No such user' }).waitFor();

  await login(page, username, PASSWORD);
  await page.locator('main').getByRole('alert').waitFor();
  assert.equal(new URL(page.url()).pathname, '/login');
  assert.deepEqual(errors, []);
});

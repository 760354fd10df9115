// The search box, tag walls and the top bar's user menu against the real server: keyboard-only
// search to a tag wall that then grows live, a username prefix to a profile, hostile queries as
// text, and the folded box on a narrow screen.
// Needs the built bundle: `npx vite build`, then `node --import tsx --test test/browser/search.browser.test.ts`.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Page } from 'playwright-core';
import { browserApp, PASSWORD, register, uniqueName, waitConnected } from '../helpers/browser-app.js';
import { makeJpeg } from '../helpers/images.js';
import { readyPhoto, signUp, uploadOk, type Session } from '../helpers/photos.js';

const app = browserApp();

/** Goes to a page and waits until its live subscription is up, so nothing published later is missed. */
async function visit(page: Page, path: string): Promise<void> {
  await page.goto(path);
  await waitConnected(page);
  await page.waitForLoadState('networkidle');
}

/** Uploads over the API and waits until the photo is ready. */
async function uploadReady(owner: Session, caption: string): Promise<string> {
  const file = await makeJpeg({ width: 640, height: 480 });
  const photo = await uploadOk(app.url, owner.cookie, { file, caption });
  await readyPhoto(app.url, photo.id, owner.cookie);
  return photo.id;
}

const box = (page: Page) => page.getByRole('combobox', { name: 'Search' });
const card = (page: Page, id: string) => page.locator(`[data-testid="photo-card"][data-id="${id}"]`);

/** Presses ArrowDown until `target` is the active option; fails if it never becomes it. */
async function arrowTo(page: Page, target: string): Promise<void> {
  const id = await page.locator(target).getAttribute('id');
  assert.ok(id);
  const count = await page.getByTestId('search-option').count();
  for (let i = 0; i < count; i++) {
    await box(page).press('ArrowDown');
    if ((await box(page).getAttribute('aria-activedescendant')) === id) {
      assert.equal(await page.locator(target).getAttribute('aria-selected'), 'true');
      return;
    }
  }
  assert.fail(`ArrowDown never reached ${target}`);
}

test('keyboard search opens a tag wall, which gets new photos live; odd tag links are handled', async () => {
  const owner = await signUp(app.url, uniqueName('sunny'), PASSWORD);
  const first = await uploadReady(owner, `golden hour #sunset ${Date.now()}`);

  const { page, errors } = await app.open();
  await visit(page, '/');
  await page.evaluate(() => Object.assign(window, { __sameDocument: true }));

  // "/" jumps to the box from the page; typing "sun" lists the tag with its count.
  await page.keyboard.press('/');
  assert.equal(await page.evaluate(() => document.activeElement?.id), 'site-search');
  await page.keyboard.type('sun');
  const option = page.locator('[data-testid="search-option"][data-kind="tag"]').filter({ hasText: '#sunset' });
  await option.waitFor();
  assert.match((await option.textContent()) ?? '', /#sunset\s*1 photo/);
  assert.equal(await box(page).getAttribute('aria-expanded'), 'true');
  assert.equal(await box(page).getAttribute('aria-controls'), await page.getByRole('listbox').getAttribute('id'));
  await page.getByRole('group', { name: 'Tags' }).waitFor();

  await arrowTo(page, '[data-testid="search-option"][data-kind="tag"]:has-text("#sunset")');
  await box(page).press('Enter');
  await page.waitForURL('**/tags/sunset');
  assert.equal(await box(page).inputValue(), '', 'the box is left empty');
  const wall = page.getByTestId('tag-wall');
  assert.equal(await wall.getByRole('heading', { level: 1 }).textContent(), '#sunset');
  await wall.locator('.page__lead').filter({ hasText: '1 photo' }).waitFor();
  await card(page, first).waitFor();

  // A second photo, the tag in another case, lands on the open wall without a reload.
  await waitConnected(page);
  await page.waitForLoadState('networkidle');
  const second = await uploadReady(owner, `again #SunSet`);
  await card(page, second).waitFor();
  await wall.locator('.page__lead').filter({ hasText: '2 photos' }).waitFor();
  assert.equal(await page.locator('[data-testid="photo-card"]').count(), 2);
  assert.equal(await page.evaluate(() => (window as unknown as { __sameDocument?: boolean }).__sameDocument), true);

  // A tag nobody used is an empty wall; a tag in another case moves to the stored one; a link
  // that cannot be a tag says so.
  await visit(page, '/tags/never_used_here');
  await page.getByTestId('tag-empty').filter({ hasText: 'No photos with #never_used_here yet' }).waitFor();
  await page.goto('/tags/SUNSET');
  await page.waitForURL('**/tags/sunset');
  await card(page, second).waitFor();
  await page.goto(`/tags/${encodeURIComponent('not a tag')}`);
  await page.getByTestId('tag-invalid').filter({ hasText: '“not a tag” cannot be a tag' }).waitFor();
  assert.deepEqual(errors, []);
});

test('a username prefix lists the person; Enter opens their profile; Escape closes, then clears', async () => {
  const name = uniqueName('findme');
  await signUp(app.url, name, PASSWORD);
  const { page, errors } = await app.open();
  await visit(page, '/');

  await box(page).fill(name.slice(0, -2));
  const person = page.locator('[data-testid="search-option"][data-kind="user"]').filter({ hasText: `@${name}` });
  await person.waitFor();
  await page.getByRole('group', { name: 'People' }).waitFor();
  // Escape closes the list and keeps the text; a second Escape clears it.
  await box(page).press('Escape');
  assert.equal(await box(page).getAttribute('aria-expanded'), 'false');
  assert.equal(await box(page).inputValue(), name.slice(0, -2));
  await box(page).press('Escape');
  assert.equal(await box(page).inputValue(), '');

  // Enter without arrowing opens the first option: the only person whose name starts so.
  await box(page).fill(name.slice(0, -2));
  await person.waitFor();
  await box(page).press('Enter');
  await page.waitForURL(`**/u/${name}`);
  await page.getByTestId('profile-header').waitFor();
  assert.deepEqual(errors, []);
});

test('hostile and overlong queries: "No results", shown as text; the box takes 100 characters', async () => {
  const { page, errors, dialogs } = await app.open();
  await visit(page, '/');
  const payload = '<script>alert(1)</script><img src=x onerror=alert(2)>';
  await box(page).fill(payload);
  const message = page.getByTestId('search-message');
  await message.filter({ hasText: 'No results' }).waitFor();
  assert.equal(await message.textContent(), `No results for “${payload}”`);
  assert.equal(await page.locator('[data-testid="search"] script, [data-testid="search"] img').count(), 0);

  // The server refuses a q over 100 characters; the box never sends one.
  await box(page).fill('');
  await box(page).pressSequentially('z'.repeat(120), { delay: 0 });
  assert.equal((await box(page).inputValue()).length, 100);
  await message.filter({ hasText: 'No results' }).waitFor();
  await page.waitForTimeout(300); // time for a would-be onerror handler to fire
  assert.deepEqual(dialogs, []);
  assert.deepEqual(errors, []);
});

test('the top bar shows who is signed in with their avatar, a settings link, and a foldable search on narrow screens', async () => {
  const { page, errors } = await app.open();
  const name = uniqueName('menu');
  await register(page, name);
  const current = page.getByTestId('current-user');
  assert.equal(await current.textContent(), name);
  assert.equal(await current.getAttribute('href'), `/u/${name}`);
  await page.locator('.topbar__user .avatar--sm').waitFor();
  await page.getByTestId('settings-link').click();
  await page.waitForURL('**/settings');
  assert.equal(await page.getByTestId('settings-link').getAttribute('aria-current'), 'page');

  // Narrow: a button opens the box, which takes the focus; leaving it empty folds it again.
  await page.setViewportSize({ width: 400, height: 800 });
  assert.equal(await box(page).isVisible(), false);
  const toggle = page.getByRole('button', { name: 'Open search' });
  await toggle.click();
  await box(page).waitFor();
  assert.equal(await page.evaluate(() => document.activeElement?.id), 'site-search');
  await box(page).press('Escape');
  await box(page).waitFor({ state: 'hidden' });
  assert.equal(await toggle.getAttribute('aria-expanded'), 'false');
  assert.deepEqual(errors, []);
});

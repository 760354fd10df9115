// Reports and moderation in the browser against the real server: ann reports bob's photo from the
// lightbox on her open latest wall (a reason, a note, a thank-you); the staff's open moderation page
// shows the report appear live, with the photo, bob and ann; the moderator removes it with a reason,
// the entry leaves the queue, ann's open wall loses the photo without a reload, bob's bell tells him
// why, and the audit log names who did it. Members see neither the nav item nor the page.
// Needs the built bundle: `npx vite build`, then `node --import tsx --test test/browser/moderation.browser.test.ts`.
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

const card = (page: Page, id: string) => page.locator(`[data-testid="photo-card"][data-id="${id}"]`);

test('a reported photo shows up live on the moderation page, is removed there, and leaves the reporter’s open wall', { timeout: 120_000 }, async () => {
  // The first account of the server is its admin: the staff here.
  const staff = await app.open();
  const ann = await app.open();
  const bob = await app.open();
  const staffName = uniqueName('staff');
  const annName = uniqueName('ann');
  const bobName = uniqueName('bob');
  await register(staff.page, staffName);
  await register(ann.page, annName);
  await register(bob.page, bobName);

  // Members have no moderation page, nor a way to it.
  assert.equal(await ann.page.getByRole('link', { name: 'Moderation' }).count(), 0);
  await ann.page.goto('/moderation');
  await ann.page.getByTestId('staff-only').waitFor();

  // The staff's page is open, with nothing to review.
  await staff.page.getByRole('link', { name: 'Moderation' }).click();
  await staff.page.waitForURL('**/moderation');
  await waitConnected(staff.page);
  await staff.page.getByTestId('moderation-empty').waitFor();

  const bobCookie = await cookieOf(bob.context);
  const accepted = await uploadOk(app.url, bobCookie, { file: await makeJpeg({ width: 200, height: 150 }), caption: 'report this one' });
  const photo: Photo = await readyPhoto(app.url, accepted.id, bobCookie);

  // Ann reports it from the lightbox on her latest wall.
  await ann.page.goto('/');
  await waitConnected(ann.page);
  await card(ann.page, photo.id).getByRole('button', { name: /Open photo/ }).click();
  const detail = ann.page.getByTestId('photo-detail');
  await detail.waitFor();
  await detail.getByTestId('report-button').click();
  const dialog = ann.page.getByTestId('report-dialog');
  await dialog.waitFor();
  await dialog.getByTestId('report-submit').click();
  await dialog.getByText('Choose a reason.').waitFor(); // nothing sent without one
  await dialog.getByTestId('report-reason-nudity').check();
  await dialog.getByTestId('report-note').fill('<b>not</b> for here');
  await dialog.getByTestId('report-submit').click();
  await dialog.getByTestId('report-thanks').filter({ hasText: 'Thanks, the moderators will look at it' }).waitFor();
  await dialog.getByRole('button', { name: 'Close' }).click();
  await dialog.waitFor({ state: 'detached' });
  await ann.page.keyboard.press('Escape');
  await ann.page.getByTestId('lightbox').waitFor({ state: 'detached' });
  await card(ann.page, photo.id).waitFor();

  // It appears on the staff's open page, without a reload: the photo, its author, the reporter, the reason and note (as text).
  const item = staff.page.locator(`[data-testid="moderation-item"][data-target="photo:${photo.id}"]`);
  await item.waitFor({ timeout: 5_000 });
  assert.equal(await item.getByTestId('moderation-text').textContent(), 'report this one');
  assert.match(await item.locator('.mod-item__thumb').getAttribute('src') ?? '', /^\/media\//);
  await item.locator('.mod-person').filter({ hasText: `@${bobName}` }).waitFor();
  await item.locator('.mod-person').filter({ hasText: `@${annName}` }).waitFor();
  assert.match(await item.getByTestId('moderation-reason').innerText(), /Nudity\s*“<b>not<\/b> for here”/);
  assert.equal(await staff.page.locator('.mod-item b').count(), 0, 'the note is text, not HTML');

  // Remove asks for a reason first.
  await item.getByTestId('mod-remove').click();
  const form = item.getByTestId('remove-form');
  await form.getByTestId('mod-confirm').click();
  await form.getByText('Say why: the reason is required.').waitFor();
  await form.getByTestId('mod-reason').fill('Nudity is not allowed on Strobe');
  await form.getByTestId('mod-confirm').click();
  await item.waitFor({ state: 'detached' });
  await staff.page.getByTestId('moderation-notice').filter({ hasText: 'Removed' }).waitFor();
  await staff.page.getByTestId('moderation-empty').waitFor();

  // Ann's open wall loses the photo, live.
  await card(ann.page, photo.id).waitFor({ state: 'detached', timeout: 5_000 });

  // Bob hears why, in his bell.
  await bob.page.getByTestId('unread-count').waitFor();
  await bob.page.getByTestId('bell').click();
  await bob.page
    .locator('[data-testid="notification"][data-type="moderation"]')
    .filter({ hasText: 'A moderator removed your photo: “Nudity is not allowed on Strobe”' })
    .waitFor();

  // The audit log says who did it.
  await staff.page.getByTestId('moderation-tab-log').click();
  const entry = staff.page.locator('[data-testid="audit-entry"][data-action="remove"]').first();
  await entry.waitFor();
  assert.match(await entry.innerText(), new RegExp(`@${staffName}[\\s\\S]*removed[\\s\\S]*@${bobName}[\\s\\S]*Nudity is not allowed on Strobe`));

  for (const o of [staff, ann, bob]) {
    assert.deepEqual(o.dialogs, []);
    assert.deepEqual(o.errors, []);
  }
});

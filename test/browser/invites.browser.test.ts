// Who may join, in the browser, on an invite-only server (REGISTRATION=invite): the admin makes an
// invite link on /admin, a newcomer opens it and registers, and the link's use shows on the admin
// page; without a link the register page says the instance is invite-only; a revoked link is refused.
// The admin then makes the newcomer a moderator and takes it back. Needs the built bundle:
// `npx vite build`, then `node --import tsx --test test/browser/invites.browser.test.ts`.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Page } from 'playwright-core';
import { browserApp, PASSWORD, register, uniqueName } from '../helpers/browser-app.js';

const app = browserApp({ env: { REGISTRATION: 'invite' } });

async function createInvite(page: Page): Promise<string> {
  const invites = page.getByTestId('invites');
  await invites.getByRole('button', { name: 'Create invite link' }).click();
  const link = page.getByTestId('new-invite-url');
  // Either the link or the form's error: a failure names its reason instead of a bare timeout.
  await link.or(invites.getByRole('alert')).first().waitFor();
  if (!(await link.isVisible())) assert.fail(`no invite link: ${await invites.getByRole('alert').first().textContent()}`);
  const url = await link.inputValue();
  assert.match(url, /\/register\?invite=[\w-]{43}$/);
  return url;
}

async function fillRegister(page: Page, username: string): Promise<void> {
  await page.getByLabel('Username').fill(username);
  await page.getByLabel('Password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Create account' }).click();
}

test('an admin invites someone from /admin; they register with the link; the use shows; no link, no form', async () => {
  // The first account from this machine is the admin, invite or not.
  const root = await app.open();
  await root.context.grantPermissions(['clipboard-read', 'clipboard-write']);
  await register(root.page, uniqueName('root'));
  await root.page.goto('/admin');
  await root.page.getByRole('heading', { name: 'Invites' }).waitFor();

  const url = await createInvite(root.page);
  assert.ok(url.startsWith(app.url), `the link is on this server (${url})`);
  await root.page.getByTestId('new-invite').getByRole('button', { name: 'Copy' }).click();
  await root.page.getByTestId('new-invite').getByRole('button', { name: 'Copied' }).waitFor();
  assert.equal(await root.page.evaluate(() => navigator.clipboard.readText()), url);
  const row = root.page.getByTestId('invite-row').first();
  assert.equal((await row.getByTestId('invite-uses').textContent())?.trim(), '0 / 1');
  assert.equal(await row.getByTestId('invite-status').getAttribute('data-status'), 'active');

  // Without a link: the page says why, and offers no form.
  const stranger = await app.open();
  await stranger.page.goto('/register');
  await stranger.page.getByTestId('registration-shut').getByText('This Strobe is invite-only').waitFor();
  assert.equal(await stranger.page.getByRole('button', { name: 'Create account' }).count(), 0);

  // With it: a new browser context registers and lands in the app.
  const dana = await app.open();
  const danaName = uniqueName('dana');
  await dana.page.goto(url.slice(app.url.length));
  await dana.page.getByText('You were invited').waitFor();
  await fillRegister(dana.page, danaName);
  await dana.page.waitForURL('**/chat/lobby');

  await root.page.getByTestId('invites').getByRole('button', { name: 'Refresh' }).click();
  await root.page.waitForFunction(() => document.querySelector('[data-testid="invite-row"] [data-testid="invite-uses"]')?.textContent?.trim() === '1 / 1');
  assert.equal(await root.page.getByTestId('invite-row').first().getByTestId('invite-status').getAttribute('data-status'), 'used up');

  // A used-up link refuses the next person, in words.
  const late = await app.open();
  await late.page.goto(url.slice(app.url.length));
  await fillRegister(late.page, uniqueName('late'));
  await late.page.getByRole('alert').getByText('This invite link does not work').waitFor();

  // A revoked one too.
  const second = await createInvite(root.page);
  const secondRow = root.page.getByTestId('invite-row').first();
  await secondRow.getByRole('button', { name: 'Revoke' }).click();
  await root.page.waitForFunction(() => document.querySelector('[data-testid="invite-row"] [data-testid="invite-status"]')?.getAttribute('data-status') === 'revoked');
  const revoked = await app.open();
  await revoked.page.goto(second.slice(app.url.length));
  await fillRegister(revoked.page, uniqueName('revoked'));
  await revoked.page.getByRole('alert').getByText('This invite link does not work').waitFor();

  // Staff: the admin makes the newcomer a moderator, then takes it back.
  const staff = root.page.getByTestId('staff');
  await staff.getByLabel('Username').fill(danaName);
  await staff.getByRole('button', { name: 'Grant role' }).click();
  const danaRow = root.page.locator(`[data-testid="staff-row"][data-username="${danaName}"]`);
  await danaRow.waitFor();
  assert.equal(await danaRow.getByTestId('staff-role').textContent(), 'moderator');
  const me = await dana.page.evaluate(async () => (await (await fetch('/api/me')).json()).user.isModerator);
  assert.equal(me, true);
  await danaRow.getByRole('button', { name: 'Remove role' }).click();
  await danaRow.waitFor({ state: 'detached' });

  for (const o of [root, stranger, dana, late, revoked]) assert.deepEqual(o.errors, []);
});

// The browser app against the real server: accounts, live chat, presence, XSS safety.
// Needs the built bundle: `npx vite build`, then `node --import tsx --test test/browser/chat.browser.test.ts`.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Page } from 'playwright-core';
import { browserApp, PASSWORD, register, uniqueName, waitConnected } from '../helpers/browser-app.js';

const app = browserApp();
const { open } = app;

async function send(page: Page, text: string): Promise<void> {
  const composer = page.getByTestId('composer');
  await composer.fill(text);
  await composer.press('Enter');
}

function messageText(page: Page, text: string) {
  return page.getByTestId('message-text').filter({ hasText: text });
}

test('two users chat live in the lobby and see each other present', async () => {
  const alice = await open();
  const bob = await open();
  const aliceName = uniqueName('alice');
  const bobName = uniqueName('bob');
  await register(alice.page, aliceName);
  await register(bob.page, bobName);
  await Promise.all([waitConnected(alice.page), waitConnected(bob.page)]);
  assert.equal(await alice.page.getByTestId('conn-status').textContent(), 'Connected');

  await bob.page.getByTestId('presence-user').filter({ hasText: aliceName }).waitFor();
  await alice.page.getByTestId('presence-user').filter({ hasText: bobName }).waitFor();

  const text = `hello from ${aliceName} ${Date.now()}`;
  await send(alice.page, text);
  await messageText(bob.page, text).waitFor();
  // The sender's own copy arrives twice (ack and live event) but shows once, confirmed.
  await messageText(alice.page, text).waitFor();
  await alice.page.getByTestId('pending-message').waitFor({ state: 'detached' });
  assert.equal(await messageText(alice.page, text).count(), 1);
  assert.equal(await messageText(bob.page, text).count(), 1);
  const author = bob.page.getByTestId('message').filter({ hasText: text }).getByTestId('message-author');
  assert.equal(await author.textContent(), aliceName);

  // An action renders as "* name text".
  await send(bob.page, '/me waves');
  await alice.page.locator('[data-kind="action"]').filter({ hasText: `* ${bobName} waves` }).waitFor();

  assert.deepEqual(alice.errors, []);
  assert.deepEqual(bob.errors, []);
});

test('a refresh keeps you signed in', async () => {
  const { page, errors } = await open();
  const name = uniqueName('carol');
  await register(page, name);
  await waitConnected(page);
  await page.reload();
  await waitConnected(page);
  assert.match(new URL(page.url()).pathname, /^\/chat\/lobby$/);
  assert.equal(await page.getByTestId('current-user').textContent(), name);
  await page.getByTestId('composer').waitFor();

  // Logging out is as durable: a refresh stays signed out.
  await page.getByTestId('logout').click();
  await page.waitForURL('**/login');
  await page.reload();
  await page.getByRole('button', { name: 'Log in' }).waitFor();
  assert.equal(await page.getByTestId('current-user').count(), 0);
  assert.deepEqual(errors, []);
});

test('the root is the latest wall for everyone; chat sends you to the lobby, or to log in first', async () => {
  const { page } = await open();
  await page.goto('/');
  await page.getByRole('heading', { name: 'Latest' }).waitFor();
  await page.goto('/chat');
  await page.waitForURL('**/login?next=*');
  await register(page, uniqueName('frank'));
  await page.goto('/chat');
  await page.waitForURL('**/chat/lobby');
  await page.goto('/');
  await page.getByRole('heading', { name: 'Latest' }).waitFor();
  assert.equal(new URL(page.url()).pathname, '/');
});

test('an XSS payload in a message shows literally', async () => {
  const sender = await open();
  const reader = await open();
  await register(sender.page, uniqueName('mallory'));
  await register(reader.page, uniqueName('dave'));
  await Promise.all([waitConnected(sender.page), waitConnected(reader.page)]);

  const payload = `<img src=x onerror=alert(1)> ${Date.now()}`;
  await send(sender.page, payload);
  for (const { page } of [sender, reader]) {
    const shown = messageText(page, payload);
    await shown.waitFor();
    assert.equal(await shown.textContent(), payload);
    assert.equal(await page.locator('[data-testid="message-list"] img').count(), 0);
  }
  // Give a would-be onerror handler time to fire.
  await reader.page.waitForTimeout(300);
  assert.deepEqual(sender.dialogs, []);
  assert.deepEqual(reader.dialogs, []);
});

test("a refused registration shows the server's message", async () => {
  const { page } = await open();
  for (const [username, password] of [
    ['Alice', PASSWORD],
    [uniqueName('erin'), 'short'],
  ] as const) {
    // Learn what the server says for this input, then expect the page to say exactly that.
    const res = await fetch(`${app.url}/api/auth/register`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username, password }),
    });
    assert.equal(res.status, 400);
    const { error } = (await res.json()) as { error: { message: string } };

    await page.goto('/register');
    await page.getByLabel('Username').fill(username);
    await page.getByLabel('Password').fill(password);
    await page.getByRole('button', { name: 'Create account' }).click();
    const alert = page.getByRole('alert');
    await alert.waitFor();
    assert.equal((await alert.textContent())?.trim(), error.message);
    assert.match(new URL(page.url()).pathname, /^\/register$/);
  }
});

test('after a reconnect nothing is missing or doubled, and a message typed offline is sent once', async () => {
  const alice = await open();
  const bob = await open();
  await register(alice.page, uniqueName('gina'));
  await register(bob.page, uniqueName('hank'));
  await Promise.all([waitConnected(alice.page), waitConnected(bob.page)]);

  await bob.context.setOffline(true);
  await bob.page.locator('[data-testid="conn-status"][data-state="disconnected"]').waitFor();
  const stamp = Date.now();
  const missed = [1, 2, 3].map((i) => `missed ${i} ${stamp}`);
  for (const text of missed) {
    await send(alice.page, text);
    await messageText(alice.page, text).waitFor();
  }
  const offline = `typed offline ${stamp}`;
  await send(bob.page, offline);
  await bob.page.locator('[data-testid="pending-message"][data-status="sending"]').waitFor();

  await bob.context.setOffline(false);
  await waitConnected(bob.page);
  await messageText(alice.page, offline).waitFor();
  await bob.page.getByTestId('pending-message').waitFor({ state: 'detached' });
  for (const text of [...missed, offline]) {
    await messageText(bob.page, text).waitFor();
    assert.equal(await messageText(bob.page, text).count(), 1, text);
    assert.equal(await messageText(alice.page, text).count(), 1, text);
  }
  const order = await bob.page.getByTestId('message-text').allTextContents();
  const positions = missed.map((t) => order.indexOf(t));
  assert.deepEqual([...positions].sort((a, b) => a - b), positions);
});

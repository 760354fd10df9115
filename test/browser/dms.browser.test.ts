// Private messages in the browser against the real server, two contexts: ann opens bob's profile
// and presses Message, lands in the thread and writes; bob (on another page) sees the "Messages"
// badge rise live, opens the list (the conversation is there, unread), opens the thread, and the
// count goes to 0 once he has read it; he replies and ann sees it live, with "Seen" under her
// message; `/me` makes an action.
// Needs the built bundle: `npx vite build`, then `node --import tsx --test test/browser/dms.browser.test.ts`.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Page } from 'playwright-core';
import { browserApp, register, uniqueName, waitConnected } from '../helpers/browser-app.js';

const app = browserApp();

async function send(page: Page, text: string): Promise<void> {
  const composer = page.getByTestId('dm-composer');
  await composer.fill(text);
  await composer.press('Enter');
}

const messageText = (page: Page, text: string) => page.getByTestId('dm-message-text').filter({ hasText: text });
const badge = (page: Page) => page.getByTestId('dm-unread');

test('a conversation between two contexts: Message on a profile, live delivery both ways, unread counts, Seen', { timeout: 90_000 }, async () => {
  const ann = await app.open();
  const bob = await app.open();
  const annName = uniqueName('ann');
  const bobName = uniqueName('bob');
  await register(ann.page, annName);
  await register(bob.page, bobName);
  await waitConnected(bob.page); // bob stays in the lobby: the badge is in the top bar everywhere
  assert.equal(await badge(bob.page).count(), 0);

  // Ann presses Message on bob's profile and lands in the thread.
  await ann.page.goto(`/u/${bobName}`);
  await waitConnected(ann.page);
  await ann.page.getByTestId('message-button').click();
  await ann.page.waitForURL(/\/messages\/\d+$/);
  const conversationId = new URL(ann.page.url()).pathname.split('/').pop()!;
  await ann.page.getByTestId('dm-with').filter({ hasText: bobName }).waitFor();
  await send(ann.page, 'hello bob');
  await messageText(ann.page, 'hello bob').waitFor();
  await ann.page.getByTestId('dm-pending').waitFor({ state: 'detached' });
  await send(ann.page, 'are you there?');
  await messageText(ann.page, 'are you there?').waitFor();

  // Bob's badge rises live, without a reload.
  await bob.page.locator('[data-testid="dm-unread"]', { hasText: '2' }).waitFor();

  // The list shows the conversation, unread; the thread shows both messages and reading it clears the count.
  await bob.page.locator('a.topbar__link[href="/messages"]').click();
  await bob.page.waitForURL('**/messages');
  const item = bob.page.locator(`[data-testid="conversation"][data-id="${conversationId}"]`);
  await item.waitFor();
  assert.equal(await item.getByTestId('conversation-unread').innerText(), '2');
  await item.click();
  await bob.page.waitForURL(`**/messages/${conversationId}`);
  await messageText(bob.page, 'hello bob').waitFor();
  await messageText(bob.page, 'are you there?').waitFor();
  await badge(bob.page).waitFor({ state: 'detached' });
  await item.getByTestId('conversation-unread').waitFor({ state: 'detached' });

  // Ann sees "Seen" under her last message, live; bob's reply reaches her live.
  await ann.page.getByTestId('dm-seen').waitFor();
  await send(bob.page, 'yes, here');
  await messageText(ann.page, 'yes, here').waitFor();
  await send(bob.page, '/me waves');
  await ann.page.locator('[data-testid="dm-message"][data-kind="action"]').filter({ hasText: 'waves' }).waitFor();
  // Ann has the thread open and visible: what arrives is read at once, so her badge clears by
  // itself. Bob's "Seen" and ann's unread count travel as separate events, so the count may still be
  // on its way when "Seen" shows: wait for it rather than sample it.
  await bob.page.getByTestId('dm-seen').waitFor();
  await badge(ann.page).waitFor({ state: 'detached', timeout: 5_000 });

  // A new message while bob is elsewhere raises his badge again; each message shows once.
  await bob.page.goto('/chat/lobby');
  await waitConnected(bob.page);
  await send(ann.page, 'one more');
  await bob.page.locator('[data-testid="dm-unread"]', { hasText: '1' }).waitFor();
  assert.equal(await messageText(ann.page, 'one more').count(), 1);
  assert.equal(await messageText(ann.page, 'yes, here').count(), 1);
  assert.deepEqual([...ann.errors, ...bob.errors], []);
});

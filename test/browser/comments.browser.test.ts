// Comments in the browser against the real server: a thread that updates live on another user's
// screen and on their wall card, markup kept as text with mentions and tags as links, delete on
// every screen, errors the poster can act on, notifications, and no composer for visitors.
// Needs the built bundle: `npx vite build`, then `node --import tsx --test test/browser/comments.browser.test.ts`.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { BrowserContext, Page } from 'playwright-core';
import type { Photo } from '../../src/shared/api.js';
import { browserApp, register, uniqueName, waitConnected } from '../helpers/browser-app.js';
import { makeJpeg } from '../helpers/images.js';
import { readyPhoto, uploadOk } from '../helpers/photos.js';

const app = browserApp();

const XSS = '<img src=x onerror=alert(1)>';

/** The context's session cookie, for the HTTP helpers. */
async function cookieOf(context: BrowserContext): Promise<string> {
  const cookies = await context.cookies();
  assert.ok(cookies.length > 0, 'signed in');
  return cookies.map((c) => `${c.name}=${c.value}`).join('; ');
}

async function uploadReady(context: BrowserContext, caption: string): Promise<Photo> {
  const cookie = await cookieOf(context);
  const photo = await uploadOk(app.url, cookie, { file: await makeJpeg({ width: 400, height: 300 }), caption });
  return readyPhoto(app.url, photo.id, cookie);
}

/**
 * Watches a page's socket for acknowledged subscriptions, so a test acts only once a stream is
 * watched (a card subscribes to its photo a moment after it comes on screen).
 */
function subscriptions(page: Page): { ready(stream: string): Promise<void> } {
  const acked = new Set<string>();
  const waiting = new Map<string, (() => void)[]>();
  page.on('websocket', (ws) => {
    const asked = new Map<string, string>();
    ws.on('framesent', ({ payload }) => {
      const m = /^42(\d+)\["subscribe",\{"stream":"([^"]+)"/.exec(String(payload));
      if (m) asked.set(m[1]!, m[2]!);
    });
    ws.on('framereceived', ({ payload }) => {
      const m = /^43(\d+)\[\{.*"ok":true/.exec(String(payload));
      const stream = m ? asked.get(m[1]!) : undefined;
      if (!stream) return;
      acked.add(stream);
      for (const resolve of waiting.get(stream) ?? []) resolve();
      waiting.delete(stream);
    });
  });
  return {
    ready(stream) {
      if (acked.has(stream)) return Promise.resolve();
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no subscription to ${stream} within 10 s`)), 10_000);
        waiting.set(stream, [...(waiting.get(stream) ?? []), () => (clearTimeout(timer), resolve())]);
      });
    },
  };
}

async function visit(page: Page, path: string): Promise<void> {
  await page.goto(path);
  await waitConnected(page);
  await page.waitForLoadState('networkidle');
}

/**
 * Records, in the page, every status a pending comment shows and every comment id that appears, so
 * the test can check states too brief to wait for.
 */
async function recordThread(page: Page): Promise<void> {
  // A string, not a function: tsx would compile a function with helpers the page does not have.
  await page.evaluate(`(() => {
    const seen = { pending: [], comments: [] };
    const scan = () => {
      for (const el of document.querySelectorAll('[data-testid="pending-comment"]')) {
        if (seen.pending.at(-1) !== el.dataset.status) seen.pending.push(el.dataset.status);
      }
      for (const el of document.querySelectorAll('[data-testid="comment"]')) {
        if (!seen.comments.includes(el.dataset.id)) seen.comments.push(el.dataset.id);
      }
    };
    new MutationObserver(scan).observe(document.body, { subtree: true, childList: true, attributes: true });
    window.__thread = seen;
  })()`);
}

async function recorded(page: Page): Promise<{ pending: string[]; comments: string[] }> {
  return page.evaluate(() => (window as unknown as { __thread: { pending: string[]; comments: string[] } }).__thread);
}

const card = (page: Page, id: string) => page.locator(`[data-testid="photo-card"][data-id="${id}"]`);
const comments = (page: Page) => page.getByTestId('comment');
const commentWith = (page: Page, text: string) => comments(page).filter({ has: page.getByTestId('comment-text').getByText(text, { exact: true }) });

test('a comment shows live on another screen and its wall card, as text with links, and leaves everywhere when deleted', async () => {
  const alice = await open();
  const bob = await open();
  const aliceName = uniqueName('alice');
  const bobName = uniqueName('bob');
  await register(alice.page, aliceName);
  await register(bob.page, bobName);
  const photo = await uploadReady(alice.context, `Evening light #Sunset with @${bobName}`);
  const stream = `photo:${photo.id}`;

  // Bob: the photo's page, and the latest wall in a second tab.
  const bobWall = await bob.context.newPage();
  const wallSubs = subscriptions(bobWall);
  await visit(bobWall, '/');
  await wallSubs.ready(stream);
  assert.equal(await card(bobWall, photo.id).getByTestId('card-comments').textContent(), '0');
  const caption = card(bobWall, photo.id).getByTestId('photo-caption');
  assert.equal(await caption.textContent(), `Evening light #Sunset with @${bobName}`);
  assert.equal(await caption.getByTestId('tag').getAttribute('href'), '/tags/sunset');
  assert.equal(await caption.getByTestId('mention').getAttribute('href'), `/u/${bobName}`);

  const bobSubs = subscriptions(bob.page);
  await visit(bob.page, `/p/${photo.id}`);
  await bobSubs.ready(stream);
  await bob.page.evaluate(() => Object.assign(window, { __sameDocument: true }));
  assert.equal(await bob.page.getByTestId('comment-count').textContent(), '0');

  const aliceSubs = subscriptions(alice.page);
  await visit(alice.page, `/p/${photo.id}`);
  await aliceSubs.ready(stream);
  await recordThread(alice.page);

  // Alice's 201 is held back, so her comment also arrives live first: one item either way.
  let answered!: () => void;
  const held = new Promise<void>((resolve) => (answered = resolve));
  await alice.page.route('**/api/photos/*/comments', async (route) => {
    if (route.request().method() !== 'POST') return route.fallback();
    const response = await route.fetch();
    await new Promise((r) => setTimeout(r, 800));
    await route.fulfill({ response });
    answered();
  });
  const text = `${XSS} #tag @${bobName}`;
  const input = alice.page.getByTestId('comment-input');
  await input.fill(text);
  assert.equal(await alice.page.getByTestId('comment-chars').textContent(), `${1000 - text.length} characters left`);
  await input.press('Enter');
  assert.equal(await input.inputValue(), '', 'the composer is cleared on send');

  const mine = commentWith(alice.page, text);
  await mine.waitFor();
  await held;
  await alice.page.waitForTimeout(200); // the held 201 has been handled
  await alice.page.unroute('**/api/photos/*/comments');
  assert.equal(await mine.count(), 1, 'the live event and the 201 make one comment');
  assert.equal(await alice.page.getByTestId('pending-comment').count(), 0);
  const seen = await recorded(alice.page);
  assert.ok(seen.pending.includes('sending'), `shown as pending first: ${JSON.stringify(seen)}`);
  assert.equal(seen.comments.length, 1);
  const id = seen.comments[0]!;

  // Bob sees it live, without a reload, as text; its tag and mention are links.
  const onBob = commentWith(bob.page, text);
  await onBob.waitFor();
  assert.equal(await bob.page.evaluate(() => (window as unknown as { __sameDocument?: boolean }).__sameDocument), true);
  assert.equal(await onBob.getByTestId('comment-text').textContent(), text);
  assert.equal(await onBob.getByTestId('tag').getAttribute('href'), '/tags/tag');
  assert.equal(await onBob.getByTestId('tag').textContent(), '#tag');
  assert.equal(await onBob.getByTestId('mention').getAttribute('href'), `/u/${bobName}`);
  assert.equal(await onBob.getByTestId('comment-author').textContent(), aliceName, 'the display name (the username until one is chosen)');
  assert.equal(await onBob.getByTestId('comment-author').getAttribute('href'), `/u/${aliceName}`);
  assert.ok((await onBob.textContent())?.includes(`@${aliceName}`));
  assert.equal(await onBob.locator('.avatar').count(), 1);
  await bob.page.getByTestId('comment-count').filter({ hasText: /^1$/ }).waitFor();
  // Bob is neither its author nor the photo's owner: no delete for him.
  assert.equal(await onBob.getByTestId('delete-comment').count(), 0);

  // Bob's wall card counts it too, live.
  await card(bobWall, photo.id).getByTestId('card-comments').filter({ hasText: /^1$/ }).waitFor();

  // The mention reached bob's bell, by alice's name, quoting the comment as text.
  await bob.page.getByTestId('unread-count').waitFor();
  await bob.page.getByTestId('bell').click();
  // Two: the caption's mention (no comment to quote) and the comment's.
  const mentions = bob.page.locator('[data-testid="notification"][data-type="mention"]');
  await mentions.filter({ hasText: `${aliceName} mentioned you: “${text}”` }).waitFor();
  await mentions.filter({ hasNotText: '“' }).filter({ hasText: `${aliceName} mentioned you` }).waitFor();
  await bob.page.keyboard.press('Escape');

  for (const page of [alice.page, bob.page, bobWall]) assert.equal(await page.locator('img[src="x"]').count(), 0);

  // Alice deletes it (after confirming): gone from both pages, and the card's count goes back.
  await mine.getByTestId('delete-comment').click();
  await mine.getByTestId('confirm-delete-comment').click();
  await alice.page.locator(`[data-testid="comment"][data-id="${id}"]`).waitFor({ state: 'detached' });
  await bob.page.locator(`[data-testid="comment"][data-id="${id}"]`).waitFor({ state: 'detached' });
  await bob.page.getByTestId('comment-count').filter({ hasText: /^0$/ }).waitFor();
  await card(bobWall, photo.id).getByTestId('card-comments').filter({ hasText: /^0$/ }).waitFor();

  await bob.page.waitForTimeout(300); // time for a would-be onerror handler to fire
  assert.deepEqual([...alice.dialogs, ...bob.dialogs], []);
  assert.deepEqual(alice.errors, []);
  assert.deepEqual(bob.errors, []);
});

test("the owner hears of a comment; Shift+Enter is a new line; a refusal says why and Retry posts it once", async () => {
  const alice = await open();
  const bob = await open();
  const aliceName = uniqueName('alice');
  const bobName = uniqueName('bob');
  await register(alice.page, aliceName);
  await register(bob.page, bobName);
  const photo = await uploadReady(alice.context, 'comment on me');
  await visit(bob.page, `/p/${photo.id}`);

  // The server says no (as it does past 20 comments a minute): the comment stays, with the reason.
  await bob.page.route('**/api/photos/*/comments', (route) =>
    route.request().method() === 'POST'
      ? route.fulfill({ status: 429, json: { error: { code: 'RATE_LIMITED', message: 'Too many requests. Try again in 30 s.' } } })
      : route.fallback(),
  );
  const input = bob.page.getByTestId('comment-input');
  await input.pressSequentially('first line');
  await input.press('Shift+Enter');
  await input.pressSequentially('second line');
  assert.equal(await input.inputValue(), 'first line\nsecond line');
  await input.press('Enter');
  const failed = bob.page.locator('[data-testid="pending-comment"][data-status="failed"]');
  await failed.waitFor();
  assert.equal(await failed.getByTestId('comment-error').locator('span').first().textContent(), 'You are commenting too fast. Too many requests. Try again in 30 s.');

  await bob.page.unroute('**/api/photos/*/comments');
  await failed.getByRole('button', { name: 'Retry' }).click();
  const posted = commentWith(bob.page, 'first line\nsecond line');
  await posted.waitFor();
  await bob.page.waitForTimeout(300);
  assert.equal(await posted.count(), 1);
  assert.equal(await bob.page.getByTestId('pending-comment').count(), 0);

  // The owner's bell: "<name> commented on your photo: “…”", leading to the photo.
  await visit(alice.page, '/');
  await alice.page.getByTestId('bell').click();
  const note = alice.page.locator('[data-testid="notification"][data-type="comment"]');
  await note.waitFor();
  assert.ok((await note.textContent())?.includes(`${bobName} commented on your photo: “first line second line”`), (await note.textContent()) ?? '');
  await note.getByRole('link').click();
  await alice.page.waitForURL(`**/p/${photo.id}`);
  // The owner may delete anyone's comment on her photo.
  await commentWith(alice.page, 'first line\nsecond line').getByTestId('delete-comment').waitFor();

  assert.deepEqual(alice.errors, []);
  assert.deepEqual(bob.errors, []);
});

test('a signed-out visitor reads the thread but cannot comment', async () => {
  const alice = await open();
  const guest = await open();
  await register(alice.page, uniqueName('alice'));
  const photo = await uploadReady(alice.context, 'public photo');
  const res = await alice.context.request.post(`/api/photos/${photo.id}/comments`, { data: { text: 'hello there', clientId: 'c1' } });
  assert.equal(res.status(), 201, await res.text());

  await visit(guest.page, `/p/${photo.id}`);
  await commentWith(guest.page, 'hello there').waitFor();
  assert.equal(await guest.page.getByTestId('comment-input').count(), 0);
  assert.equal(await guest.page.getByTestId('delete-comment').count(), 0);
  const login = guest.page.getByTestId('comment-login');
  assert.equal(await login.textContent(), 'Log in to comment');
  assert.equal(await login.getAttribute('href'), `/login?next=${encodeURIComponent(`/p/${photo.id}`)}`);
  // Nor behind the page's back: the server refuses a signed-out comment.
  const status = await guest.page.evaluate(
    async (id) =>
      (await fetch(`/api/photos/${id}/comments`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ text: 'sneaky', clientId: 'x' }) }))
        .status,
    photo.id,
  );
  assert.equal(status, 401);
  assert.deepEqual(guest.errors, []);
});

test('a thread that was offline gets the comments it missed after reconnecting, once', async () => {
  const alice = await open();
  const bob = await open();
  await register(alice.page, uniqueName('alice'));
  await register(bob.page, uniqueName('bob'));
  const photo = await uploadReady(alice.context, 'offline thread');
  const subs = subscriptions(bob.page);
  await visit(bob.page, `/p/${photo.id}`);
  await subs.ready(`photo:${photo.id}`);

  await bob.context.setOffline(true);
  await bob.page.locator('[data-testid="conn-status"][data-state="disconnected"]').waitFor();
  const posted = await alice.context.request.post(`/api/photos/${photo.id}/comments`, { data: { text: 'while you were away', clientId: 'away-1' } });
  assert.equal(posted.status(), 201, await posted.text());
  await bob.context.setOffline(false);
  await waitConnected(bob.page);
  await commentWith(bob.page, 'while you were away').waitFor();
  await bob.page.getByTestId('comment-count').filter({ hasText: /^1$/ }).waitFor();
  await bob.page.waitForTimeout(300); // a duplicate would arrive about now
  assert.equal(await comments(bob.page).count(), 1);
  assert.deepEqual(bob.errors, []);
});

function open() {
  return app.open();
}

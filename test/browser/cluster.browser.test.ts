// The cluster as a person sees it: three web instances and a worker behind HAProxy, people in
// Chromium chatting and watching the latest wall while each instance in turn is killed with
// SIGKILL. They stay signed in, nothing they were shown goes missing or shows twice, and the only
// trace of a kill is the connection indicator saying it is reconnecting.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Page } from 'playwright-core';
import { assertWebBuilt, launchBrowser, openPage } from '../helpers/browser.js';
import { register, uniqueName, waitConnected } from '../helpers/browser-app.js';
import { startCluster } from '../helpers/cluster.js';
import { makeJpeg } from '../helpers/images.js';
import { servicesUp } from '../helpers/services.js';

async function send(page: Page, text: string): Promise<void> {
  const composer = page.getByTestId('composer');
  await composer.fill(text);
  await composer.press('Enter');
}

/** Shown exactly once, within the wait. */
async function seenOnce(page: Page, text: string): Promise<void> {
  const found = page.getByTestId('message-text').filter({ hasText: text });
  await found.first().waitFor({ timeout: 15_000 });
  assert.equal(await found.count(), 1, `"${text}" shows once`);
}

/**
 * Records every state the connection indicator goes through. A string, not a function: tsx would
 * wrap a function's inner helpers in its own `__name`, which the page does not have.
 */
const WATCH_INDICATOR = `(() => {
  window.strobeStates = [];
  const record = () => {
    const state = document.querySelector('[data-testid="conn-status"]')?.getAttribute('data-state');
    if (state && window.strobeStates.at(-1) !== state) window.strobeStates.push(state);
  };
  new MutationObserver(record).observe(document.body, { subtree: true, attributes: true, childList: true });
  record();
})()`;

const watchIndicator = (page: Page) => page.evaluate(WATCH_INDICATOR);
const statesOf = (page: Page) => page.evaluate('window.strobeStates') as Promise<string[]>;

if (await servicesUp(['postgres', 'redis', 'amqp'])) {
  test('killing each instance in turn is invisible to people in a browser but for the reconnecting indicator', { timeout: 300_000 }, async (t) => {
    assertWebBuilt();
    const cluster = await startCluster(t, { web: 3, workers: 1 });
    const browser = await launchBrowser();
    t.after(() => browser.close());
    const alice = await openPage(browser, cluster.url);
    const bob = await openPage(browser, cluster.url);
    const visitor = await openPage(browser, cluster.url);
    const aliceName = uniqueName('alice');
    await register(alice.page, aliceName);
    await register(bob.page, uniqueName('bob'));
    await visitor.page.goto('/');
    await Promise.all([alice, bob, visitor].map((o) => waitConnected(o.page)));
    await Promise.all([alice, bob, visitor].map((o) => watchIndicator(o.page)));
    const jpeg = await makeJpeg({ width: 640, height: 480 });
    const sent: string[] = [];

    for (const name of cluster.names('web')) {
      await cluster.signal(name, 'SIGKILL');
      // Both talk right away; the app sends once it is back, and both see each message once.
      const fromAlice = `alice after ${name} died ${Date.now()}`;
      const fromBob = `bob after ${name} died ${Date.now()}`;
      await Promise.all([send(alice.page, fromAlice), send(bob.page, fromBob)]);
      sent.push(fromAlice, fromBob);
      await Promise.all([alice, bob, visitor].map((o) => waitConnected(o.page)));
      for (const text of [fromAlice, fromBob]) await Promise.all([seenOnce(alice.page, text), seenOnce(bob.page, text)]);

      // A photo uploaded now reaches the signed-out wall live, whichever instance serves it.
      const res = await alice.context.request.post('/api/photos', {
        multipart: { caption: `after ${name}`, file: { name: 'p.jpg', mimeType: 'image/jpeg', buffer: jpeg } },
      });
      assert.equal(res.status(), 202, await res.text());
      const { photo } = (await res.json()) as { photo: { id: string } };
      await visitor.page.locator(`[data-testid="photo-card"][data-id="${photo.id}"][data-status="ready"]`).waitFor({ timeout: 20_000 });

      await cluster.revive(name);
    }

    // Everything said is still there once, and a reload finds everyone still signed in.
    for (const text of sent) await Promise.all([seenOnce(alice.page, text), seenOnce(bob.page, text)]);
    assert.equal(await visitor.page.locator('[data-testid="photo-card"]').count(), 3);
    const states = await Promise.all([alice, bob, visitor].map((o) => statesOf(o.page)));
    t.diagnostic(`connection indicator states: ${JSON.stringify(states)}`);
    assert.ok(states.some((s) => s.includes('reconnecting')), 'a kill showed as reconnecting');
    await alice.page.reload();
    await waitConnected(alice.page);
    assert.match(new URL(alice.page.url()).pathname, /^\/chat\/lobby$/);
    for (const text of sent) await seenOnce(alice.page, text);
    for (const o of [alice, bob, visitor]) assert.deepEqual(o.errors, []);
  });
}

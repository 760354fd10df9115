// Webhooks in the browser against the real server (WEBHOOK_ALLOW_PRIVATE=true, so that it may post to
// a receiver on 127.0.0.1): the admin registers an endpoint for photo.ready on /admin and sees its
// secret once; a photo becomes ready and the receiver gets the signed delivery; the row shows the
// last delivery and the log a 204; Disable, Enable, Delete. Refusals (no event, a URL the server
// will not post to) show inline; others get no section.
// Needs the built bundle: `npx vite build`, then `node --import tsx --test test/browser/webhooks.browser.test.ts`.
import assert from 'node:assert/strict';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import type { BrowserContext } from 'playwright-core';
import { Webhook } from 'standardwebhooks';
import { browserApp, register, uniqueName } from '../helpers/browser-app.js';
import { makeJpeg } from '../helpers/images.js';
import { readyPhoto, until, uploadOk } from '../helpers/photos.js';

const app = browserApp({ env: { WEBHOOK_ALLOW_PRIVATE: 'true' } });

interface Received {
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
}

/** A receiver on 127.0.0.1 that records every request and answers 204. */
let receiver: Server | undefined;
let receiverUrl = '';
const received: Received[] = [];

before(async () => {
  receiver = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      received.push({ path: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => receiver!.listen(0, '127.0.0.1', resolve));
  receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`;
});

after(async () => {
  receiver?.closeAllConnections();
  await new Promise<void>((resolve) => (receiver ? receiver.close(() => resolve()) : resolve()));
});

/** The context's session cookie, for the HTTP helpers. */
async function cookieOf(context: BrowserContext): Promise<string> {
  const cookies = await context.cookies();
  assert.ok(cookies.length > 0, 'signed in');
  return cookies.map((c) => `${c.name}=${c.value}`).join('; ');
}

test('an admin registers a webhook on /admin, sees its secret once, gets a signed photo.ready, reads the log, disables and deletes it', async () => {
  // The first account on a fresh server is an admin.
  const root = await app.open();
  await root.context.grantPermissions(['clipboard-read', 'clipboard-write']);
  await register(root.page, uniqueName('root'));
  await root.page.goto('/admin');
  const section = root.page.getByTestId('webhooks');
  await section.getByRole('heading', { name: 'Webhooks' }).waitFor();
  await section.getByText('No webhooks yet.').waitFor();

  // No event chosen: the form says so, and nothing is sent.
  const url = `${receiverUrl}/hooks/strobe`;
  await section.getByLabel('Endpoint URL').fill(url);
  await section.getByRole('button', { name: 'Add webhook' }).click();
  await section.getByRole('alert').getByText('Choose at least one event').waitFor();
  assert.equal(await section.getByTestId('webhook-row').count(), 0);

  // The server's refusal (a URL with credentials) shows inline, in its words.
  await section.getByRole('checkbox', { name: 'photo.ready' }).check();
  assert.equal(await section.getByText('Choose at least one event').count(), 0, 'the message goes once an event is chosen');
  await section.getByLabel('Endpoint URL').fill(`http://user:pw@127.0.0.1:${new URL(receiverUrl).port}/x`);
  await section.getByRole('button', { name: 'Add webhook' }).click();
  await section.getByRole('alert').getByText('`url` is refused: webhook URLs carry no credentials').waitFor();
  assert.equal(await section.getByTestId('webhook-row').count(), 0);
  assert.equal(await section.getByTestId('webhook-secret').count(), 0);

  // photo.ready: the reply's secret shows once, with a Copy button.
  await section.getByLabel('Endpoint URL').fill(url);
  await section.getByRole('button', { name: 'Add webhook' }).click();
  const secretBox = section.getByTestId('webhook-secret');
  await secretBox.waitFor();
  await secretBox.getByText('Verify deliveries with this secret (Standard Webhooks). It will not be shown again.').waitFor();
  const secret = await secretBox.getByTestId('webhook-secret-value').inputValue();
  assert.match(secret, /^whsec_[A-Za-z0-9+/=]{32}$/);
  await secretBox.getByRole('button', { name: 'Copy' }).click();
  await secretBox.getByRole('button', { name: 'Copied' }).waitFor();
  assert.equal(await root.page.evaluate(() => navigator.clipboard.readText()), secret);

  const row = section.getByTestId('webhook-row');
  await row.waitFor();
  assert.equal(await row.count(), 1);
  assert.equal(await row.getByTestId('webhook-url').textContent(), url);
  assert.equal(await row.getByTestId('webhook-events').textContent(), 'photo.ready');
  assert.equal(await row.getByTestId('webhook-status').getAttribute('data-status'), 'enabled');
  assert.equal(await row.getByTestId('webhook-status').textContent(), 'Enabled');
  assert.equal(await row.getByTestId('webhook-last').textContent(), 'none yet');
  assert.equal(await section.getByLabel('Endpoint URL').inputValue(), '', 'the form is cleared');

  // Once: after a reload the endpoint is listed, its secret is not.
  await root.page.reload();
  await row.waitFor();
  assert.equal(await section.getByTestId('webhook-secret').count(), 0);
  assert.equal(await root.page.getByText(secret).count(), 0);

  // A photo becomes ready: the receiver gets it, signed with that secret.
  const cookie = await cookieOf(root.context);
  const photo = await uploadOk(app.url, cookie, { file: await makeJpeg({ width: 400, height: 300 }), caption: 'hooked' });
  await readyPhoto(app.url, photo.id, cookie);
  await until('the receiver to get the delivery', async () => received.length, (n) => n >= 1, 20_000);
  const [hit] = received;
  assert.equal(hit!.path, '/hooks/strobe');
  const event = new Webhook(secret).verify(hit!.body, hit!.headers as Record<string, string>) as { id: string; type: string; data: { photo?: { id: string } } };
  assert.equal(event.type, 'photo.ready');
  assert.equal(hit!.headers['webhook-id'], event.id);
  assert.equal(event.data.photo?.id, photo.id);

  // The log row is written once the receiver answered: Refresh until the row shows it.
  await until(
    'the row to show the last delivery',
    async () => {
      await section.getByRole('button', { name: 'Refresh', exact: true }).click();
      return (await row.getByTestId('webhook-last').textContent()) ?? '';
    },
    (text) => text.startsWith('204'),
    10_000,
    250,
  );

  // The log: closed, then open with a 204 row for that event.
  const toggle = row.getByRole('button', { name: 'Deliveries' });
  assert.equal(await toggle.getAttribute('aria-expanded'), 'false');
  await toggle.click();
  assert.equal(await toggle.getAttribute('aria-expanded'), 'true');
  const log = section.getByTestId('webhook-deliveries');
  await log.waitFor();
  assert.equal(await toggle.getAttribute('aria-controls'), await log.locator('xpath=ancestor::tr').getAttribute('id'));
  const delivery = log.getByTestId('delivery-row').first();
  await delivery.waitFor();
  assert.equal(await delivery.getByTestId('delivery-status').textContent(), '204');
  const cells = await delivery.locator('td').allTextContents();
  assert.equal(cells[0], 'photo.ready');
  assert.equal(cells[1], event.id);
  assert.equal(cells[2], '1', 'first attempt');
  assert.match(cells[4] ?? '', /^\d+ ms$/);
  await toggle.click();
  assert.equal(await toggle.getAttribute('aria-expanded'), 'false');
  assert.equal(await log.count(), 0);

  // Disable: the row says so; Enable brings it back.
  await row.getByRole('button', { name: 'Disable' }).click();
  await row.getByRole('button', { name: 'Enable' }).waitFor();
  assert.equal(await row.getByTestId('webhook-status').getAttribute('data-status'), 'disabled');
  assert.match((await row.getByTestId('webhook-status').textContent()) ?? '', /^Disabled: disabled by root_/);
  assert.match((await row.getByTestId('webhook-last').textContent()) ?? '', /^204/, 'the last delivery stays shown');
  await root.page.reload();
  await row.waitFor();
  assert.equal(await row.getByTestId('webhook-status').getAttribute('data-status'), 'disabled', 'the server kept it');
  await row.getByRole('button', { name: 'Enable' }).click();
  await row.getByRole('button', { name: 'Disable' }).waitFor();
  assert.equal(await row.getByTestId('webhook-status').textContent(), 'Enabled');
  await row.getByRole('button', { name: 'Disable' }).click();
  await row.getByRole('button', { name: 'Enable' }).waitFor();

  // Delete asks first; Cancel keeps it, confirming removes it (here and on the server).
  await row.getByRole('button', { name: 'Delete…' }).click();
  await row.getByRole('group', { name: /Confirm deleting the webhook/ }).waitFor();
  await row.getByRole('button', { name: 'Cancel' }).click();
  assert.equal(await row.count(), 1);
  await row.getByRole('button', { name: 'Delete…' }).click();
  await row.getByTestId('webhook-delete-confirm').click();
  await row.waitFor({ state: 'detached' });
  await section.getByText('No webhooks yet.').waitFor();
  await root.page.reload();
  await section.getByText('No webhooks yet.').waitFor();

  assert.deepEqual(root.errors, []);
  assert.deepEqual(root.dialogs, []);
});

test('only admins get the section and the API', async () => {
  // The admin is the first account of the file's server, registered by the test above.
  const other = await app.open();
  await register(other.page, uniqueName('bob'));
  await other.page.goto('/admin');
  await other.page.getByTestId('admins-only').waitFor();
  assert.equal(await other.page.getByTestId('webhooks').count(), 0);
  const res = await fetch(`${app.url}/api/admin/webhooks`, {
    method: 'POST',
    headers: { cookie: await cookieOf(other.context), 'content-type': 'application/json' },
    body: JSON.stringify({ url: `${receiverUrl}/x`, events: ['photo.ready'] }),
  });
  assert.equal(res.status, 403, 'not an admin');
  assert.deepEqual(other.errors, []);
});

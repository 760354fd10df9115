// Webhooks end to end (embedded, a real listening server and a real receiver): admins register
// endpoints; deliveries are signed per Standard Webhooks and verify with the library's own verifier;
// failures are retried and logged; a day of failures disables the endpoint and tells the admins;
// private targets are refused unless WEBHOOK_ALLOW_PRIVATE.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { Ajv } from 'ajv';
import { Webhook } from 'standardwebhooks';
import type { NotificationPage } from '../../src/shared/api.js';
import { buildTestApp, type TestApp } from '../helpers/app.js';
import { makeJpeg } from '../helpers/images.js';
import { call, expectStatus, readyPhoto, signUp, until, uploadOk, type Session } from '../helpers/photos.js';

interface Received {
  headers: IncomingHttpHeaders;
  body: string;
}

let app: TestApp;
let admin: Session;
let member: Session;
const received: Received[] = [];
/** How many of the next requests the receiver answers 500. */
let failNext = 0;
let receiverUrl = '';
const receiver = createServer((req, res) => {
  let body = '';
  req.on('data', (d: Buffer) => (body += d.toString()));
  req.on('end', () => {
    received.push({ headers: req.headers, body });
    if (failNext > 0) {
      failNext--;
      res.writeHead(500).end('not now');
    } else res.writeHead(204).end();
  });
});

before(async () => {
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hooks`;
  app = await buildTestApp(null, { WEBHOOK_ALLOW_PRIVATE: 'true' });
  await app.listen();
  admin = await signUp(app.url, 'hook_admin');
  member = await signUp(app.url, 'hook_member');
});
after(async () => {
  await app.close();
  await new Promise<void>((resolve) => receiver.close(() => resolve()));
});

const ajv = new Ajv({ strict: false, validateFormats: false });
const photoReadySchema = ajv.compile(JSON.parse(readFileSync('docs/schemas/photo.ready.json', 'utf8')) as object);

async function register(session: Session, json: unknown) {
  return call<{ webhook: { id: string; enabled: boolean }; secret: string }>(app.url, 'POST', '/api/admin/webhooks', { cookie: session.cookie, json });
}

describe('webhooks', () => {
  test('only admins register endpoints, with a valid URL and known events', async () => {
    expectStatus(await call(app.url, 'POST', '/api/admin/webhooks', { json: { url: receiverUrl, events: ['photo.ready'] } }), 401);
    expectStatus(await register(member, { url: receiverUrl, events: ['photo.ready'] }), 403, 'FORBIDDEN');
    expectStatus(await register(admin, { url: 'ftp://example.org/x', events: ['photo.ready'] }), 400, 'VALIDATION');
    expectStatus(await register(admin, { url: 'not a url', events: ['photo.ready'] }), 400, 'VALIDATION');
    expectStatus(await register(admin, { url: receiverUrl, events: ['photo.exploded'] }), 400);
    expectStatus(await register(admin, { url: receiverUrl, events: [] }), 400);
    expectStatus(await call(app.url, 'GET', '/api/admin/webhooks', { cookie: member.cookie }), 403);
  });

  test('a photo.ready delivery is signed (Standard Webhooks), matches its schema, and is logged; failures are retried', async () => {
    const created = await register(admin, { url: receiverUrl, events: ['photo.ready'] });
    expectStatus(created, 201);
    assert.match(created.body.secret, /^whsec_/);
    const hook = created.body.webhook;

    failNext = 2; // the first two attempts fail: the job system retries
    const before = received.length;
    const photo = await readyPhoto(app.url, (await uploadOk(app.url, member.cookie, { file: await makeJpeg({ width: 50, height: 40 }) })).id, member.cookie);
    await until('three attempts', async () => received.length - before, (n) => n >= 3, 20_000);
    const last = received.at(-1)!;
    const event = new Webhook(created.body.secret).verify(last.body, last.headers as Record<string, string>) as { id: string; type: string; data: { photo: { id: string } } };
    assert.equal(event.type, 'photo.ready');
    assert.equal(event.data.photo.id, photo.id);
    assert.equal(last.headers['webhook-id'], event.id);
    assert.ok(photoReadySchema(event), ajv.errorsText(photoReadySchema.errors));
    // Every attempt carried the same event id, so a receiver can deduplicate.
    assert.deepEqual(new Set(received.slice(before).map((r) => r.headers['webhook-id'])), new Set([event.id]));
    // A forged signature does not verify.
    assert.throws(() => new Webhook(created.body.secret).verify(last.body.replace(photo.id, '999999'), last.headers as Record<string, string>));

    const log = await until(
      'the delivery log',
      async () => (await call<{ items: { attempt: number; status: number | null }[] }>(app.url, 'GET', `/api/admin/webhooks/${hook.id}/deliveries`, { cookie: admin.cookie })).body.items,
      (items) => items.length >= 3,
    );
    assert.deepEqual(log.slice(0, 3).map((d) => [d.attempt, d.status]), [[3, 204], [2, 500], [1, 500]]);
    const listed = await call<{ items: { id: string; lastDelivery: { status: number } | null }[] }>(app.url, 'GET', '/api/admin/webhooks', { cookie: admin.cookie });
    assert.equal(listed.body.items.find((w) => w.id === hook.id)?.lastDelivery?.status, 204);

    // Disabled: nothing is delivered.
    expectStatus(await call(app.url, 'PATCH', `/api/admin/webhooks/${hook.id}`, { cookie: admin.cookie, json: { enabled: false } }), 200);
    const quiet = received.length;
    await readyPhoto(app.url, (await uploadOk(app.url, member.cookie, { file: await makeJpeg({ width: 51, height: 40 }) })).id, member.cookie);
    await new Promise((r) => setTimeout(r, 1_000));
    assert.equal(received.length, quiet);
    expectStatus(await call(app.url, 'DELETE', `/api/admin/webhooks/${hook.id}`, { cookie: admin.cookie }), 204);
    expectStatus(await call(app.url, 'DELETE', `/api/admin/webhooks/${hook.id}`, { cookie: admin.cookie }), 404);
  });

  test('an endpoint failing for a day is disabled, and the admins are told', async () => {
    const created = await register(admin, { url: receiverUrl, events: ['photo.ready'] });
    expectStatus(created, 201);
    await app.adapters.db.query(`update webhook_endpoints set failing_since = now() - interval '25 hours' where id = $1`, [created.body.webhook.id]);
    failNext = 1;
    await readyPhoto(app.url, (await uploadOk(app.url, member.cookie, { file: await makeJpeg({ width: 52, height: 40 }) })).id, member.cookie);
    const listed = await until(
      'the endpoint to be disabled',
      async () => (await call<{ items: { id: string; enabled: boolean; disabledReason: string | null }[] }>(app.url, 'GET', '/api/admin/webhooks', { cookie: admin.cookie })).body.items,
      (items) => items.some((w) => w.id === created.body.webhook.id && !w.enabled),
      20_000,
    );
    assert.match(listed.find((w) => w.id === created.body.webhook.id)!.disabledReason!, /a day/);
    const notes = await until(
      "the admin's notification",
      async () => (await call<NotificationPage>(app.url, 'GET', '/api/notifications', { cookie: admin.cookie })).body.items,
      (items) => items.some((n) => n.type === 'webhook.disabled'),
    );
    assert.match(notes.find((n) => n.type === 'webhook.disabled')!.reason!, /hooks/);
    failNext = 0;
  });

  test('without WEBHOOK_ALLOW_PRIVATE, private and loopback targets are refused', async () => {
    const strict = await buildTestApp(null);
    try {
      const res = await strict.app.inject({ method: 'POST', url: '/api/auth/register', payload: { username: 'strict_admin', password: 'correct horse' } });
      const cookie = String(res.headers['set-cookie']).split(';')[0]!;
      for (const url of [receiverUrl, 'http://localhost/x', 'http://169.254.169.254/latest/meta-data', 'http://[::1]/x', 'http://10.0.0.8/x']) {
        const refused = await strict.app.inject({ method: 'POST', url: '/api/admin/webhooks', headers: { cookie }, payload: { url, events: ['photo.ready'] } });
        assert.equal(refused.statusCode, 400, url);
      }
    } finally {
      await strict.close();
    }
  });
});

// Domain events in a cluster, against the real RabbitMQ and PostgreSQL: every event Strobe publishes
// on `strobe.events` matches its JSON Schema (docs/schemas), and a consumer in another language
// (examples/points, Debian's Python) keeps exact points across its own SIGKILL, and a webhook
// receives the same events, signed, through the cluster's workers.
import assert from 'node:assert/strict';
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { test } from 'node:test';
import amqplib from 'amqplib';
import { Ajv } from 'ajv';
import pg from 'pg';
import { Webhook } from 'standardwebhooks';
import { DOMAIN_EVENT_TYPES } from '../../src/features/events/events.js';
import type { Photo } from '../../src/shared/api.js';
import { startCluster } from '../helpers/cluster.js';
import { makeJpeg } from '../helpers/images.js';
import { call, expectStatus, readyPhoto, signUp, until, uploadOk } from '../helpers/photos.js';
import { servicesUp } from '../helpers/services.js';

interface Consumer {
  child: ChildProcessWithoutNullStreams;
  output: string[];
}

function startPoints(env: Record<string, string>): Promise<Consumer> {
  const child = spawn('/usr/bin/python3', ['examples/points/points.py'], { env: { ...process.env, ...env } });
  const output: string[] = [];
  const onData = (d: Buffer) => output.push(...d.toString().split('\n').filter(Boolean));
  child.stdout.on('data', onData);
  child.stderr.on('data', onData);
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`points.py did not start: ${output.join('\n')}`)), 20_000);
    const check = () => {
      if (output.some((l) => l.startsWith('points: consuming'))) {
        clearTimeout(timer);
        resolve({ child, output });
      } else if (child.exitCode !== null) {
        clearTimeout(timer);
        reject(new Error(`points.py exited ${child.exitCode}: ${output.join('\n')}`));
      } else setTimeout(check, 50);
    };
    check();
  });
}

if (await servicesUp(['postgres', 'redis', 'amqp'])) {
  test('domain events match their schemas, and a Python consumer keeps exact points across its SIGKILL', { timeout: 180_000 }, async (t) => {
    const cluster = await startCluster(t, { web: 1, workers: 1, env: { WEBHOOK_ALLOW_PRIVATE: 'true' } });
    const base = cluster.url;

    // A webhook receiver: cluster mode delivers through the RabbitMQ workers.
    const hooks: { headers: Record<string, string>; body: string }[] = [];
    const receiver = createServer((req, res) => {
      let body = '';
      req.on('data', (d: Buffer) => (body += d.toString()));
      req.on('end', () => {
        hooks.push({ headers: req.headers as Record<string, string>, body });
        res.writeHead(204).end();
      });
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    t.after(() => receiver.close());

    // The test's own consumer: every event, validated against its published schema.
    const ajv = new Ajv({ strict: false, validateFormats: false });
    const validators = new Map(DOMAIN_EVENT_TYPES.map((type) => [type, ajv.compile(JSON.parse(readFileSync(`docs/schemas/${type}.json`, 'utf8')) as object)]));
    const conn = await amqplib.connect(cluster.amqpUrl);
    t.after(() => conn.close().catch(() => {}));
    const ch = await conn.createChannel();
    await ch.assertExchange('strobe.events', 'topic', { durable: true });
    const { queue } = await ch.assertQueue('', { exclusive: true });
    await ch.bindQueue(queue, 'strobe.events', '#');
    const seen: { type: string; id: string; messageId: string | undefined }[] = [];
    await ch.consume(queue, (msg) => {
      if (!msg) return;
      const event = JSON.parse(msg.content.toString()) as { id: string; type: (typeof DOMAIN_EVENT_TYPES)[number] };
      const validate = validators.get(event.type);
      assert.ok(validate, `an event of an unknown type: ${event.type}`);
      assert.ok(validate(event), `${event.type} does not match docs/schemas/${event.type}.json: ${ajv.errorsText(validate.errors)}\n${msg.content.toString()}`);
      seen.push({ type: event.type, id: event.id, messageId: msg.properties.messageId as string | undefined });
      ch.ack(msg);
    });

    const env = { AMQP_URL: cluster.amqpUrl, DATABASE_URL: cluster.databaseUrl, POINTS_QUEUE: `points.${Date.now()}` };
    let points = await startPoints(env);
    t.after(() => points.child.kill('SIGKILL'));

    const ann = await signUp(base, 'points_ann'); // the first account from this machine: the admin
    const bob = await signUp(base, 'points_bob');
    const hook = await call<{ secret: string }>(base, 'POST', '/api/admin/webhooks', {
      cookie: ann.cookie,
      json: { url: `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`, events: ['photo.liked'] },
    });
    expectStatus(hook, 201);
    const photos: Photo[] = [];
    const upload = async () => {
      const accepted = await uploadOk(base, ann.cookie, { file: await makeJpeg({ width: 40 + photos.length, height: 30 }) });
      photos.push(await readyPhoto(base, accepted.id, ann.cookie, 30_000));
    };
    const like = async (photo: Photo) => expectStatus(await call(base, 'PUT', `/api/photos/${photo.id}/like`, { cookie: bob.cookie }), 200);

    for (let i = 0; i < 3; i++) await upload();
    await like(photos[0]!);
    await like(photos[1]!);
    await until('the consumer to apply something', async () => points.output.filter((l) => l.startsWith('applied')).length, (n) => n >= 1, 20_000);
    points.child.kill('SIGKILL'); // mid-stream: what it had not acked comes back
    await new Promise((r) => points.child.once('exit', r));
    // Events go on while it is down: its durable queue keeps them.
    for (let i = 0; i < 2; i++) await upload();
    await like(photos[2]!);
    await like(photos[3]!);
    await like(photos[0]!); // a second like of the same photo by the same user changes nothing: no event
    points = await startPoints(env);

    const db = new pg.Client({ connectionString: cluster.databaseUrl });
    db.on('error', () => {}); // the cluster's cleanup drops the database under it
    await db.connect();
    t.after(() => db.end());
    const expected = 5 * 10 + 4 * 1;
    const total = await until(
      'the points to be exact',
      async () => Number((await db.query<{ points: string }>(`select points from points where user_id = $1`, [ann.id])).rows[0]?.points ?? 0),
      (p) => p >= expected,
      30_000,
    );
    await new Promise((r) => setTimeout(r, 500)); // nothing more may arrive
    assert.equal(Number((await db.query(`select points from points where user_id = $1`, [ann.id])).rows[0].points), expected, `points ${total}`);
    const processed = await db.query<{ n: string }>(`select count(*) as n from points_processed`);
    assert.equal(Number(processed.rows[0]!.n), 9, '5 photo.ready and 4 photo.liked, each applied once');

    // Every kind the run caused reached the test's own consumer, valid, each id once.
    await until('every event to reach the test consumer', async () => seen.length, () => ['photo.ready', 'photo.liked', 'user.registered'].every((type) => seen.some((e) => e.type === type)), 15_000);
    assert.equal(new Set(seen.map((e) => e.id)).size, seen.length, 'no event id twice');
    assert.ok(seen.every((e) => e.messageId === e.id), 'message-id is the event id');
    assert.equal(seen.filter((e) => e.type === 'photo.ready').length, 5);
    assert.equal(seen.filter((e) => e.type === 'photo.liked').length, 4);

    // The webhook got the four likes, signed, each verifiable with its secret, each event once.
    await until('the webhook deliveries', async () => hooks.length, (n) => n >= 4, 20_000);
    const delivered = hooks.map((h) => new Webhook(hook.body.secret).verify(h.body, h.headers) as { id: string; type: string });
    assert.ok(delivered.every((e) => e.type === 'photo.liked'));
    assert.deepEqual(new Set(delivered.map((e) => e.id)), new Set(seen.filter((e) => e.type === 'photo.liked').map((e) => e.id)));
  });
}

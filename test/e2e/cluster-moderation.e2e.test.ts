// Moderation in a cluster: a report made through web2 reaches a staff socket on web1 live, and a
// suspension made through web1 ends the user's sockets on web2 within a second (their old cookie then
// opens nothing on either instance).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ModerationItem } from '../../src/shared/community.js';
import type { ChatSendAck } from '../../src/shared/realtime.js';
import { startCluster } from '../helpers/cluster.js';
import { call, expectStatus, signUp, subscribe } from '../helpers/photos.js';
import { servicesUp } from '../helpers/services.js';
import { connect, type TestSocket } from '../helpers/sockets.js';

if (await servicesUp(['postgres', 'redis', 'amqp'])) {
  test('a report via web2 reaches staff on web1; a suspension via web1 ends the sockets on web2 within a second', { timeout: 180_000 }, async (t) => {
    const cluster = await startCluster(t, { web: 2, workers: 1, env: { REGISTRATION: 'open' } });
    const [web1, web2] = cluster.names('web').map((name) => `http://127.0.0.1:${cluster.instances.get(name)!.port}`) as [string, string];
    const admin = await signUp(web1, 'cl_mod_admin'); // the first account is an admin: staff
    const ann = await signUp(web1, 'cl_mod_ann');
    const bob = await signUp(web2, 'cl_mod_bob');

    const open = async (base: string, cookie: string, ...streams: string[]): Promise<TestSocket> => {
      const s = await connect(base, cookie);
      t.after(() => s.close());
      for (const stream of streams) await subscribe(s, stream);
      return s;
    };
    const staffOn1 = await open(web1, admin.cookie, 'moderation');
    const bobOn2 = await open(web2, bob.cookie, 'user', 'chat:lobby');
    const bobAlsoOn2 = await open(web2, bob.cookie, 'latest');
    const annOn2 = await open(web2, ann.cookie, 'chat:lobby');

    // Bob says something; ann reports it through web2; the staff socket on web1 sees it at once.
    const ack: ChatSendAck = await bobOn2.socket.timeout(5_000).emitWithAck('chat:send', { room: 'lobby', text: 'cheap pills', clientId: 'cl-mod-1' });
    assert.ok(ack.ok, JSON.stringify(ack));
    const reported = await call<{ report: { id: string } }>(web2, 'POST', '/api/reports', { cookie: ann.cookie, json: { target: { type: 'message', id: ack.message.id }, reason: 'spam' } });
    expectStatus(reported, 201);
    await staffOn1.waitFor((evs) => evs.some((e) => e.type === 'report.created'), 5_000);
    const item = staffOn1.events.find((e) => e.type === 'report.created')!.data as ModerationItem;
    assert.deepEqual([item.report.id, item.content.text, item.content.author?.username], [reported.body.report.id, 'cheap pills', bob.username]);

    // Suspended through web1: both of bob's sockets on web2 end within a second; ann's stays.
    const ended = [bobOn2, bobAlsoOn2].map((s) => new Promise<number>((resolve) => s.socket.once('disconnect', () => resolve(Date.now()))));
    const sent = Date.now();
    const suspended = await call<{ resolved: string[] }>(web1, 'POST', `/api/moderation/users/${bob.username}/suspend`, {
      cookie: admin.cookie,
      json: { until: new Date(Date.now() + 3600_000).toISOString(), reason: 'Spam', reportId: reported.body.report.id },
    });
    expectStatus(suspended, 200);
    assert.deepEqual(suspended.body.resolved, [reported.body.report.id]);
    for (const at of await Promise.all(ended)) assert.ok(at - sent < 1_000, `a socket on web2 ended after ${at - sent} ms`);
    assert.ok(annOn2.socket.connected);
    await staffOn1.waitFor((evs) => evs.some((e) => e.type === 'report.resolved'), 5_000);

    for (const base of [web1, web2]) expectStatus(await call(base, 'GET', '/api/me', { cookie: bob.cookie }), 401, 'UNAUTHENTICATED');
    expectStatus(await call(web2, 'POST', '/api/auth/login', { json: { username: bob.username, password: 'correct horse' } }), 403, 'SUSPENDED');

    // Lifted through web2: bob signs in again.
    expectStatus(await call(web2, 'DELETE', `/api/moderation/users/${bob.username}/suspend`, { cookie: admin.cookie }), 200);
    expectStatus(await call(web1, 'POST', '/api/auth/login', { json: { username: bob.username, password: 'correct horse' } }), 200);
  });
}

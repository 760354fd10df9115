// Account settings with real processes: a password change served by one instance of a cluster ends
// the user's other sockets on another instance; an account deletion takes the user's photos off
// every open wall, live, through another instance of a cluster and in a real embedded server.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { startCluster } from '../helpers/cluster.js';
import { makeJpeg } from '../helpers/images.js';
import { call, deletedEvent, expectStatus, readyPhoto, signUp, subscribe, until, uploadOk } from '../helpers/photos.js';
import { startServer } from '../helpers/server.js';
import { servicesUp } from '../helpers/services.js';
import { connect, type TestSocket } from '../helpers/sockets.js';

const disconnected = (s: TestSocket) => new Promise<string>((resolve) => s.socket.once('disconnect', (reason) => resolve(reason)));

async function login(base: string, username: string): Promise<string> {
  const res = await call(base, 'POST', '/api/auth/login', { json: { username, password: 'correct horse' } });
  expectStatus(res, 200);
  return res.headers.get('set-cookie')!.split(';')[0]!;
}

if (await servicesUp(['postgres', 'redis', 'amqp'])) {
  test('a password change on one instance ends the user’s other sessions’ sockets on another instance', { timeout: 120_000 }, async (t) => {
    const cluster = await startCluster(t, { web: 2, workers: 1 });
    const [web1, web2] = cluster.names('web').map((name) => `http://127.0.0.1:${cluster.instances.get(name)!.port}`) as [string, string];
    const user = await signUp(cluster.url, 'changer');
    const laptop = await login(web2, 'changer');
    const bystander = await signUp(cluster.url, 'bystander');
    const elsewhere = await connect(web2, laptop);
    const sameTab = await connect(web1, user.cookie);
    const others = [await connect(web1, bystander.cookie), await connect(web2, bystander.cookie)];
    t.after(() => [elsewhere, sameTab, ...others].forEach((s) => s.close()));
    const gone = [disconnected(elsewhere), disconnected(sameTab)];

    const res = await call(web1, 'POST', '/api/me/password', { cookie: user.cookie, json: { current: 'correct horse', password: 'another horse' } });
    expectStatus(res, 200);
    const fresh = res.headers.get('set-cookie')!.split(';')[0]!;
    assert.deepEqual(await Promise.all(gone), ['io server disconnect', 'io server disconnect'], 'the other session’s socket on web2, and the rotated one on web1');
    expectStatus(await call(web2, 'GET', '/api/me', { cookie: laptop }), 401);
    expectStatus(await call(web2, 'GET', '/api/me', { cookie: fresh }), 200);
    const again = await connect(web2, fresh);
    t.after(() => again.close());
    await new Promise((r) => setTimeout(r, 300));
    assert.ok(again.socket.connected && others.every((s) => s.socket.connected), 'the new session’s socket and other users’ sockets stay');
  });

  test('an account deleted through one instance leaves every wall on the other live, and the worker finishes it', { timeout: 120_000 }, async (t) => {
    const cluster = await startCluster(t, { web: 2, workers: 1 });
    const [web1, web2] = cluster.names('web').map((name) => `http://127.0.0.1:${cluster.instances.get(name)!.port}`) as [string, string];
    const leaver = await signUp(web1, 'cluster_leaver');
    const friend = await signUp(web2, 'cluster_friend');
    expectStatus(await call(web2, 'PUT', '/api/users/cluster_leaver/follow', { cookie: friend.cookie }), 200);
    const photo = await readyPhoto(web1, (await uploadOk(web1, leaver.cookie, { file: await makeJpeg({ width: 64, height: 64 }), caption: '#farewell' })).id, leaver.cookie, 30_000);
    const signedOut = await connect(web2);
    const home = await connect(web2, friend.cookie);
    const leaverOnWeb2 = await connect(web2, leaver.cookie);
    t.after(() => [signedOut, home, leaverOnWeb2].forEach((s) => s.close()));
    for (const stream of ['latest', 'tag:farewell', 'profile:cluster_leaver', `photo:${photo.id}`]) await subscribe(signedOut, stream);
    await subscribe(home, 'home');
    const kicked = disconnected(leaverOnWeb2);

    expectStatus(await call(web1, 'DELETE', '/api/me', { cookie: leaver.cookie, json: { password: 'correct horse' } }), 202);
    assert.equal(await kicked, 'io server disconnect', 'the deleted account’s socket on the other instance');
    for (const stream of ['latest', 'tag:farewell', 'profile:cluster_leaver']) await deletedEvent(signedOut, stream, photo.id, 15_000);
    await deletedEvent(home, 'home', photo.id, 15_000);
    assert.deepEqual((await call<{ items: unknown[] }>(web2, 'GET', '/api/feeds/latest')).body.items, []);
    expectStatus(await call(web2, 'GET', '/api/users/cluster_leaver'), 404);
    // The worker finishes the job: the tombstone, and the friend's following count corrected.
    await until(
      'the account.delete job to finish',
      async () => (await call<{ counts: { following: number } }>(web2, 'GET', '/api/users/cluster_friend')).body.counts.following,
      (following) => following === 0,
      30_000,
    );
    expectStatus(await call(web2, 'POST', '/api/auth/login', { json: { username: 'cluster_leaver', password: 'correct horse' } }), 401);
  });
}

test('deleting an account takes its photos off an open latest wall, live (embedded, real server)', { timeout: 120_000 }, async (t) => {
  const server = await startServer();
  t.after(() => server.close());
  const leaver = await signUp(server.url, 'leaver');
  const viewer = await signUp(server.url, 'viewer');
  const photos = [];
  for (const caption of ['one', 'two']) photos.push(await uploadOk(server.url, leaver.cookie, { file: await makeJpeg({ width: 64, height: 64 }), caption }));
  for (const p of photos) await readyPhoto(server.url, p.id, leaver.cookie);
  const wall = await connect(server.url, viewer.cookie);
  t.after(() => wall.close());
  await subscribe(wall, 'latest');

  expectStatus(await call(server.url, 'DELETE', '/api/me', { cookie: leaver.cookie, json: { password: 'correct horse' } }), 202);
  for (const p of photos) await deletedEvent(wall, 'latest', p.id, 15_000);
  const latest = await call<{ items: { id: string }[] }>(server.url, 'GET', '/api/feeds/latest');
  assert.deepEqual(latest.body.items, []);
});

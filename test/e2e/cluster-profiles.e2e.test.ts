// In a cluster, a profile changed through one web instance shows on the other at once: its feeds
// forget the profile they kept, its sockets hear `profile.updated`, and a socket the user opened
// there before the change posts with the new profile. The avatar is cropped by a separate worker.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { test } from 'node:test';
import type { ChatMessage, Page, Photo, PublicUser } from '../../src/shared/api.js';
import { startCluster } from '../helpers/cluster.js';
import { makeJpeg } from '../helpers/images.js';
import { call, eventsOf, expectStatus, readyPhoto, signUp, subscribe, until, uploadOk } from '../helpers/photos.js';
import { servicesUp } from '../helpers/services.js';
import { connect } from '../helpers/sockets.js';

if (await servicesUp(['postgres', 'redis', 'amqp'])) {
  test('a profile and avatar changed on one instance show on the other at once', { timeout: 120_000 }, async (t) => {
    const cluster = await startCluster(t, { web: 2, workers: 1 });
    const [web1, web2] = cluster.names('web').map((name) => `http://127.0.0.1:${cluster.instances.get(name)!.port}`) as [string, string];
    const ann = await signUp(web1, 'cluster_ann');
    const photo = await readyPhoto(web1, (await uploadOk(web1, ann.cookie, { file: await makeJpeg({ width: 64, height: 48 }) })).id, ann.cookie, 30_000);
    const ownerOnWeb2 = async () => (await call<Page<Photo>>(web2, 'GET', '/api/feeds/latest')).body.items.find((p) => p.id === photo.id)?.owner;
    assert.equal((await ownerOnWeb2())?.displayName, 'cluster_ann', 'web2 has read (and kept) the old profile');

    const watcher = await connect(web2);
    const annOnWeb2 = await connect(web2, ann.cookie);
    t.after(() => {
      watcher.close();
      annOnWeb2.close();
    });
    await subscribe(watcher, 'profile:cluster_ann');
    await subscribe(annOnWeb2, 'chat:lobby');

    const patched = await call<{ user: PublicUser }>(web1, 'PATCH', '/api/me', { cookie: ann.cookie, json: { displayName: 'Ann of the Cluster' } });
    expectStatus(patched, 200);
    await watcher.waitFor(() => eventsOf(watcher, 'profile.updated').length === 1, 10_000);
    // Well within the 60 s a kept profile is trusted: web2 was told.
    await until('web2 to show the new name', ownerOnWeb2, (owner) => owner?.displayName === 'Ann of the Cluster', 10_000);
    await until(
      'the socket opened on web2 before the change to post with the new name',
      async () => {
        const ack = await annOnWeb2.socket.timeout(5_000).emitWithAck('chat:send', { room: 'lobby', text: 'hi', clientId: randomUUID() });
        return ack.ok ? (ack as { message: ChatMessage }).message.user.displayName : null;
      },
      (name) => name === 'Ann of the Cluster',
      10_000,
    );

    // The avatar: uploaded through web2, cropped by the worker, announced to a socket on web1.
    const onWeb1 = await connect(web1, ann.cookie);
    t.after(() => onWeb1.close());
    await subscribe(onWeb1, 'user');
    const form = new FormData();
    form.append('file', new Blob([new Uint8Array(await makeJpeg({ width: 300, height: 200 }))], { type: 'image/jpeg' }), 'me.jpg');
    expectStatus(await call(web2, 'PUT', '/api/me/avatar', { cookie: ann.cookie, body: form }), 202);
    await onWeb1.waitFor(() => eventsOf(onWeb1, 'profile.updated', 'user').some((e) => e.data.user.avatar !== null), 30_000);
    const avatar = eventsOf(onWeb1, 'profile.updated', 'user').find((e) => e.data.user.avatar !== null)!.data.user.avatar!;
    const image = await fetch(`${web1}${avatar.small}`);
    assert.equal(image.status, 200);
    assert.equal(image.headers.get('content-type'), 'image/webp');
    await until('web2 to show the avatar on the feed', ownerOnWeb2, (owner) => owner?.avatar?.small === avatar.small, 10_000);
  });
}

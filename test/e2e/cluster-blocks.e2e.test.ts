// In a cluster, a block made through one web instance applies at once on the other: ann's socket
// there stops receiving bob's photos, and bob's socket there stops receiving ann's, while a third
// user's socket on the same instance still gets both.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { setTimeout as delay } from 'node:timers/promises';
import type { Photo } from '../../src/shared/api.js';
import { startCluster } from '../helpers/cluster.js';
import { makeJpeg } from '../helpers/images.js';
import { call, expectStatus, readyEvent, readyPhoto, signUp, subscribe, uploadOk, type Session } from '../helpers/photos.js';
import { servicesUp } from '../helpers/services.js';
import { connect, type TestSocket } from '../helpers/sockets.js';

if (await servicesUp(['postgres', 'redis', 'amqp'])) {
  test('a block through web1 stops the pair receiving each other’s photos on web2, both ways', { timeout: 180_000 }, async (t) => {
    const cluster = await startCluster(t, { web: 2, workers: 1, env: { REGISTRATION: 'open' } });
    const [web1, web2] = cluster.names('web').map((name) => `http://127.0.0.1:${cluster.instances.get(name)!.port}`) as [string, string];
    const ann = await signUp(web1, 'cl_blk_ann');
    const bob = await signUp(web1, 'cl_blk_bob');
    const cat = await signUp(web1, 'cl_blk_cat');

    const open = async (cookie: string, ...streams: string[]): Promise<TestSocket> => {
      const s = await connect(web2, cookie);
      t.after(() => s.close());
      for (const stream of streams) await subscribe(s, stream);
      return s;
    };
    const annOn2 = await open(ann.cookie, 'latest', `profile:${bob.username}`, 'user');
    const bobOn2 = await open(bob.cookie, 'latest', 'user');
    const catOn2 = await open(cat.cookie, 'latest');

    // Before the block, bob's photos reach ann.
    const upload = async (owner: Session, caption: string): Promise<Photo> => {
      const accepted = await uploadOk(web1, owner.cookie, { file: await makeJpeg({ width: 40, height: 30 }), caption });
      return readyPhoto(web1, accepted.id, owner.cookie, 30_000);
    };
    const early = await upload(bob, 'before');
    await readyEvent(annOn2, 'latest', early.id, 20_000);

    expectStatus(await call(web1, 'PUT', `/api/users/${bob.username}/block`, { cookie: ann.cookie }), 200);
    await annOn2.waitFor((evs) => evs.some((e) => e.type === 'block.changed'), 10_000);
    await bobOn2.waitFor((evs) => evs.some((e) => e.type === 'block.changed'), 10_000);
    assert.deepEqual(bobOn2.events.find((e) => e.type === 'block.changed')!.data, { userId: ann.id, username: ann.username, blocked: true });
    const annLate = await open(ann.cookie, 'latest'); // opened after the block, on the same instance
    await delay(100);

    const bobs = await upload(bob, 'after');
    await readyEvent(catOn2, 'latest', bobs.id, 20_000);
    const anns = await upload(ann, 'after, by ann');
    await readyEvent(catOn2, 'latest', anns.id, 20_000);
    // Cat's later photo is a barrier: by the time it arrives, the others would have too.
    const cats = await upload(cat, 'barrier');
    for (const s of [annOn2, annLate, bobOn2]) await readyEvent(s, 'latest', cats.id, 20_000);
    const photoIds = (s: TestSocket) => s.events.filter((e) => e.type === 'photo.ready').map((e) => (e.data as { photo: Photo }).photo.id);
    assert.ok(!photoIds(annOn2).includes(bobs.id), "bob's photo reached ann's socket on web2");
    assert.ok(!photoIds(annLate).includes(bobs.id), "bob's photo reached ann's newer socket on web2");
    assert.ok(!photoIds(bobOn2).includes(anns.id), "ann's photo reached bob's socket on web2");
    assert.ok(photoIds(bobOn2).includes(cats.id) && photoIds(annOn2).includes(cats.id));

    // Lifted through web2 this time: bob's next photo reaches ann on web2 again.
    expectStatus(await call(web2, 'DELETE', `/api/users/${bob.username}/block`, { cookie: ann.cookie }), 200);
    await annOn2.waitFor((evs) => evs.filter((e) => e.type === 'block.changed').length === 2, 10_000);
    await delay(100);
    const again = await upload(bob, 'lifted');
    await readyEvent(annOn2, 'latest', again.id, 20_000);
  });
}

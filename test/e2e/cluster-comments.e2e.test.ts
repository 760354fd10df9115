// In a cluster, a comment posted through one web instance reaches a photo:<id> socket on the other
// one live (through Redis), with the new count.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Comment } from '../../src/shared/api.js';
import { startCluster } from '../helpers/cluster.js';
import { makeJpeg } from '../helpers/images.js';
import { call, eventsOf, expectStatus, readyPhoto, signUp, subscribe, uploadOk } from '../helpers/photos.js';
import { servicesUp } from '../helpers/services.js';
import { connect } from '../helpers/sockets.js';

if (await servicesUp(['postgres', 'redis', 'amqp'])) {
  test('a comment posted on one instance reaches a socket on the other live', { timeout: 120_000 }, async (t) => {
    const cluster = await startCluster(t, { web: 2, workers: 1 });
    const [web1, web2] = cluster.names('web').map((name) => `http://127.0.0.1:${cluster.instances.get(name)!.port}`) as [string, string];
    const owner = await signUp(web1, 'cluster_owner');
    const writer = await signUp(web2, 'cluster_writer');
    const accepted = await uploadOk(web1, owner.cookie, { file: await makeJpeg({ width: 64, height: 48 }) });
    const photo = await readyPhoto(web1, accepted.id, owner.cookie, 30_000);
    const stream = `photo:${photo.id}`;

    const onWeb1 = await connect(web1, owner.cookie);
    t.after(() => onWeb1.close());
    await subscribe(onWeb1, stream);

    const posted = await call<{ comment: Comment }>(web2, 'POST', `/api/photos/${photo.id}/comments`, {
      cookie: writer.cookie,
      json: { text: 'from the other instance', clientId: 'cluster-1' },
    });
    expectStatus(posted, 201);
    await onWeb1.waitFor(() => eventsOf(onWeb1, 'comment.created', stream).length === 1, 10_000);
    assert.deepEqual(eventsOf(onWeb1, 'comment.created', stream)[0]!.data, { comment: posted.body.comment, comments: 1 });

    // The owner is told through the worker, on their user stream, on the instance they are on.
    await subscribe(onWeb1, 'user');
    expectStatus(
      await call(web2, 'POST', `/api/photos/${photo.id}/comments`, { cookie: writer.cookie, json: { text: 'and another', clientId: 'cluster-2' } }),
      201,
    );
    await onWeb1.waitFor(() => eventsOf(onWeb1, 'notification').some((e) => e.data.type === 'comment'), 15_000);
    const note = eventsOf(onWeb1, 'notification').find((e) => e.data.type === 'comment')!;
    assert.equal(note.data.actor?.username, 'cluster_writer');
    assert.equal((await call<{ photo: { comments: number } }>(web1, 'GET', `/api/photos/${photo.id}`)).body.photo.comments, 2);
  });
}

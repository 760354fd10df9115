// Live comments end to end against the real server (a child process) and real socket.io clients: a
// comment reaches another viewer's photo:<id> stream live, with the new count, and a viewer that
// dropped and resubscribed with `since` gets the comments it missed exactly once.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Comment, Page, Photo } from '../../src/shared/api.js';
import type { Envelope, SubscribeAck } from '../../src/shared/realtime.js';
import { makeJpeg } from '../helpers/images.js';
import { call, eventsOf, expectStatus, readyPhoto, signUp, subscribe, uploadOk } from '../helpers/photos.js';
import { startServer } from '../helpers/server.js';
import { connect } from '../helpers/sockets.js';

test('a comment reaches a second viewer live; after a drop, a resubscribe with `since` replays what was missed exactly once', { timeout: 90_000 }, async (t) => {
  const server = await startServer();
  t.after(() => server.close());
  const base = server.url;
  const owner = await signUp(base, 'owner_e2e');
  const writer = await signUp(base, 'writer_e2e');
  const viewer = await signUp(base, 'viewer_e2e');
  const accepted = await uploadOk(base, owner.cookie, { file: await makeJpeg({ width: 64, height: 48 }), caption: 'hello @viewer_e2e' });
  const photo: Photo = await readyPhoto(base, accepted.id, owner.cookie);
  assert.equal(photo.comments, 0);
  const stream = `photo:${photo.id}`;

  // Signed in or not, a viewer of the photo watches its comments.
  const watcher = await connect(base, viewer.cookie);
  const anonymous = await connect(base);
  t.after(() => [watcher, anonymous].forEach((s) => s.close()));
  await subscribe(watcher, stream);
  await subscribe(anonymous, stream);

  const first = await call<{ comment: Comment }>(base, 'POST', `/api/photos/${photo.id}/comments`, {
    cookie: writer.cookie,
    json: { text: 'first! <script>alert(1)</script>', clientId: 'e2e-1' },
  });
  expectStatus(first, 201);
  for (const s of [watcher, anonymous]) await s.waitFor(() => eventsOf(s, 'comment.created', stream).length === 1);
  const live = eventsOf(watcher, 'comment.created', stream)[0]!;
  assert.deepEqual(live.data, { comment: first.body.comment, comments: 1 });
  assert.equal(live.data.comment.text, 'first! <script>alert(1)</script>');

  // The viewer drops; meanwhile a retry (nothing new), two comments and a delete happen.
  const since = live.offset;
  watcher.close();
  expectStatus(
    await call(base, 'POST', `/api/photos/${photo.id}/comments`, { cookie: writer.cookie, json: { text: 'first! <script>alert(1)</script>', clientId: 'e2e-1' } }),
    200,
  );
  const second = await call<{ comment: Comment }>(base, 'POST', `/api/photos/${photo.id}/comments`, { cookie: writer.cookie, json: { text: 'second', clientId: 'e2e-2' } });
  expectStatus(second, 201);
  const third = await call<{ comment: Comment }>(base, 'POST', `/api/photos/${photo.id}/comments`, { cookie: owner.cookie, json: { text: 'third', clientId: 'e2e-3' } });
  expectStatus(third, 201);
  expectStatus(await call(base, 'DELETE', `/api/comments/${second.body.comment.id}`, { cookie: owner.cookie }), 204);
  await anonymous.waitFor(() => eventsOf(anonymous, 'comment.deleted', stream).length === 1);

  const back = await connect(base, viewer.cookie);
  t.after(() => back.close());
  const ack: SubscribeAck = await back.socket.timeout(5_000).emitWithAck('subscribe', { stream, since });
  assert.ok(ack.ok && ack.recovered, JSON.stringify(ack));
  // Replayed in the ack, and nothing delivered twice afterwards.
  await new Promise((r) => setTimeout(r, 300));
  const replayed = [...ack.missed, ...back.events.filter((e) => e.stream === stream)];
  const summary = (e: Envelope) =>
    e.type === 'comment.created'
      ? `created ${(e.data as { comment: Comment }).comment.text} ${(e.data as { comments: number }).comments}`
      : `${e.type} ${JSON.stringify(e.data)}`;
  assert.deepEqual(replayed.map(summary), [
    'created second 2',
    'created third 3',
    `comment.deleted ${JSON.stringify({ id: second.body.comment.id, photoId: photo.id, comments: 2 })}`,
  ]);
  assert.equal(new Set(replayed.map((e) => e.offset)).size, replayed.length, 'each once');
  assert.ok(replayed.every((e) => e.offset !== since), 'not the one it had');
  // What the anonymous viewer saw live is the same stream.
  assert.deepEqual(
    anonymous.events.filter((e) => e.stream === stream).map(summary).slice(1),
    replayed.map(summary),
  );

  // The list and the photo agree with the events.
  const listed = await call<Page<Comment>>(base, 'GET', `/api/photos/${photo.id}/comments`);
  expectStatus(listed, 200);
  assert.deepEqual(listed.body.items.map((c) => c.text), ['first! <script>alert(1)</script>', 'third']);
  const now = await call<{ photo: Photo }>(base, 'GET', `/api/photos/${photo.id}`);
  assert.equal(now.body.photo.comments, 2);

  // The caption's mention reached the viewer as a notification.
  const notes = await call<{ items: { type: string; photo: { id: string } | null }[] }>(base, 'GET', '/api/notifications', { cookie: viewer.cookie });
  assert.ok(notes.body.items.some((n) => n.type === 'mention' && n.photo?.id === photo.id), JSON.stringify(notes.body));
});

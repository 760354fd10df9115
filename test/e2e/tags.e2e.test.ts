// Hashtag walls end to end: the real server as a child process, real socket.io-client sockets.
// A photo with #sunset in its caption reaches `tag:sunset` live when it is ready, and its deletion
// too; a client that resumes with `since` gets what it missed exactly once.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { setTimeout as delay } from 'node:timers/promises';
import type { Page, Photo, SearchResults } from '../../src/shared/api.js';
import type { Envelope, SubscribeAck } from '../../src/shared/realtime.js';
import { makeJpeg } from '../helpers/images.js';
import { call, deletedEvent, expectStatus, readyEvent, readyPhoto, signUp, uploadOk, type Session } from '../helpers/photos.js';
import { startServer, type RunningServer } from '../helpers/server.js';
import { connect, type TestSocket } from '../helpers/sockets.js';

let server: RunningServer;
let owner: Session;
const opened: TestSocket[] = [];

before(async () => {
  server = await startServer();
  await signUp(server.url, 'admin'); // the admin seat, so the test user is an ordinary one
  owner = await signUp(server.url, 'sol');
});

after(async () => {
  for (const s of opened) s.close();
  await server?.close();
});

async function open(): Promise<TestSocket> {
  const s = await connect(server.url);
  opened.push(s);
  return s;
}

async function subscribe(s: TestSocket, stream: string, since?: string): Promise<SubscribeAck> {
  return s.socket.timeout(5_000).emitWithAck('subscribe', since ? { stream, since } : { stream });
}

const tiny = () => makeJpeg({ width: 64, height: 48 });

const offsets = (events: Envelope[]) => events.map((e) => e.offset);

test('tag streams: names are checked, anyone may watch', async () => {
  const s = await open();
  const ok = await subscribe(s, 'tag:sunset');
  assert.ok(ok.ok, JSON.stringify(ok));
  assert.ok((await subscribe(s, `tag:${encodeURIComponent('東京')}`)).ok === false, 'not a tag');
  assert.ok((await subscribe(s, 'tag:東京')).ok);
  for (const bad of ['tag:', 'tag:two words', `tag:${'a'.repeat(51)}`, 'tag:Sunset', 'tag:#sunset', 'tag']) {
    const ack = await subscribe(s, bad);
    assert.equal(ack.ok, false, bad);
    if (!ack.ok) assert.equal(ack.error.code, 'BAD_REQUEST', bad);
  }
});

test('#sunset reaches tag:sunset live when ready and when deleted; a resume with `since` replays each event once', async () => {
  const live = await open();
  const resumer = await open();
  assert.ok((await subscribe(live, 'tag:sunset')).ok);
  assert.ok((await subscribe(resumer, 'tag:sunset')).ok);

  // A first photo, which both sockets see; the resumer then drops.
  const first = await uploadOk(server.url, owner.cookie, { file: await tiny(), caption: 'Golden hour #Sunset #beach' });
  const firstReady = await readyEvent(live, 'tag:sunset', first.id);
  assert.equal(firstReady.data.photo.caption, 'Golden hour #Sunset #beach');
  assert.equal(firstReady.data.photo.status, 'ready');
  await readyEvent(resumer, 'tag:sunset', first.id);
  const since = resumer.events.at(-1)!.offset;
  resumer.close();

  // While it is away: an untagged photo (not on the wall), a tagged one, and its deletion.
  const other = await uploadOk(server.url, owner.cookie, { file: await tiny(), caption: '#sunrise only' });
  const second = await uploadOk(server.url, owner.cookie, { file: await tiny(), caption: 'another #sunset' });
  await readyPhoto(server.url, other.id, owner.cookie);
  await readyEvent(live, 'tag:sunset', second.id);
  const feed = await call<Page<Photo>>(server.url, 'GET', '/api/feeds/tag/sunset');
  expectStatus(feed, 200);
  assert.deepEqual(feed.body.items.map((p) => p.id), [second.id, first.id]);
  const search = await call<SearchResults>(server.url, 'GET', '/api/search?q=sun');
  assert.deepEqual(search.body.tags, [
    { name: 'sunset', photos: 2 },
    { name: 'sunrise', photos: 1 },
  ]);

  expectStatus(await call(server.url, 'DELETE', `/api/photos/${second.id}`, { cookie: owner.cookie }), 204);
  await deletedEvent(live, 'tag:sunset', second.id);
  const after = await call<Page<Photo>>(server.url, 'GET', '/api/feeds/tag/sunset');
  assert.deepEqual(after.body.items.map((p) => p.id), [first.id]);
  assert.deepEqual((await call(server.url, 'GET', '/api/tags/sunset')).body, { tag: { name: 'sunset', photos: 1 } });

  await delay(300); // anything late would show up here
  const wall = live.events.filter((e) => e.stream === 'tag:sunset');
  assert.deepEqual(
    wall.map((e) => [e.type, e.type === 'photo.ready' ? (e.data as { photo: Photo }).photo.id : (e.data as { id: string }).id]),
    [
      ['photo.ready', first.id],
      ['photo.ready', second.id],
      ['photo.deleted', second.id],
    ],
    'the untagged photo never reached the wall; nothing twice',
  );
  assert.equal(new Set(offsets(wall)).size, wall.length);

  // The resumer comes back with the last offset it saw: exactly what it missed, once, in order.
  const back = await open();
  const ack = await subscribe(back, 'tag:sunset', since);
  assert.ok(ack.ok, JSON.stringify(ack));
  assert.equal(ack.recovered, true);
  assert.deepEqual(offsets(ack.missed), offsets(wall.slice(1)));
  assert.deepEqual(ack.missed.map((e) => e.type), ['photo.ready', 'photo.deleted']);
  await delay(300);
  assert.deepEqual(back.events, [], 'what came in `missed` is not sent again live');

  // And a new tagged photo still reaches both, once.
  const third = await uploadOk(server.url, owner.cookie, { file: await tiny(), caption: '#sunset #sunset three' });
  await readyEvent(back, 'tag:sunset', third.id);
  await readyEvent(live, 'tag:sunset', third.id);
  await delay(200);
  assert.equal(back.events.length, 1);
});

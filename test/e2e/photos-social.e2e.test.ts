// Likes, follows and deletes end to end, over real HTTP and real sockets: live events, idempotence,
// notifications once, and a deleted photo gone from every stream, feed and URL.
import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import type { FollowResult, LikeResult, NotificationPage, Photo, Profile } from '../../src/shared/api.js';
import type { Envelope } from '../../src/shared/realtime.js';
import { makeJpeg } from '../helpers/images.js';
import {
  allPages,
  call,
  deletedEvent,
  eventsOf,
  expectStatus,
  getPhoto,
  jobsSettled,
  openWalls,
  photoServer,
  readyEvent,
  readyPhoto,
  signUp,
  until,
  uploadOk,
  type Session,
  type Walls,
} from '../helpers/photos.js';
import type { TestSocket } from '../helpers/sockets.js';
import { userRef } from '../helpers/users.js';

const server = photoServer();
const { sockets } = server;

const put = (path: string, cookie?: string) => call<LikeResult & FollowResult>(server.url, 'PUT', path, { cookie });
const del = (path: string, cookie?: string) => call<LikeResult & FollowResult>(server.url, 'DELETE', path, { cookie });
const profileOf = async (username: string, cookie?: string) => {
  const res = await call<Profile>(server.url, 'GET', `/api/users/${username}`, { cookie });
  expectStatus(res, 200);
  return res.body;
};

/** A small photo of `owner`, uploaded and processed. */
async function smallPhoto(owner: Session, extra: { city?: string; caption?: string } = {}): Promise<Photo> {
  const accepted = await uploadOk(server.url, owner.cookie, { file: await makeJpeg({ width: 64, height: 48 }), ...extra });
  return readyPhoto(server.url, accepted.id, owner.cookie);
}

async function notificationsOf(user: Session): Promise<NotificationPage> {
  const res = await call<NotificationPage>(server.url, 'GET', '/api/notifications?limit=100', { cookie: user.cookie });
  expectStatus(res, 200);
  return res.body;
}

describe('likes', () => {
  let lia: Session;
  let bob: Session;
  let photo: Photo;

  before(async () => {
    lia = await signUp(server.url, 'lia');
    bob = await signUp(server.url, 'bob');
    photo = await smallPhoto(lia);
  });

  test('watchers of photo:<id> get photo.liked {id, likes}; the owner is notified once, even after like, unlike, like', async () => {
    const watcher = await sockets.open(undefined, `photo:${photo.id}`);
    const owner = await sockets.open(lia.cookie, 'user');
    const liked = () => eventsOf(watcher, 'photo.liked', `photo:${photo.id}`).map((e) => e.data);

    assert.deepEqual((await put(`/api/photos/${photo.id}/like`, bob.cookie)).body, { likes: 1, liked: true });
    await watcher.waitFor(() => liked().length >= 1);
    assert.deepEqual(liked(), [{ id: photo.id, likes: 1 }]);

    assert.deepEqual((await del(`/api/photos/${photo.id}/like`, bob.cookie)).body, { likes: 0, liked: false });
    await watcher.waitFor(() => liked().length >= 2);
    assert.deepEqual(liked()[1], { id: photo.id, likes: 0 });

    assert.deepEqual((await put(`/api/photos/${photo.id}/like`, bob.cookie)).body, { likes: 1, liked: true });
    await watcher.waitFor(() => liked().length >= 3);
    assert.deepEqual(liked()[2], { id: photo.id, likes: 1 });

    const likeNotes = (from: Session) =>
      eventsOf(owner, 'notification').filter((e) => e.data.type === 'like' && e.data.actor?.id === from.id);
    await owner.waitFor(() => likeNotes(bob).length >= 1);
    const note = likeNotes(bob)[0]!.data;
    assert.deepEqual(note.actor, userRef(bob.id, 'bob'));
    assert.deepEqual(note.photo, { id: photo.id, thumb: photo.variants!.thumb });

    // Barrier: every job enqueued so far has run, and a later like's notification has arrived.
    const cleo = await signUp(server.url, 'cleo');
    expectStatus(await put(`/api/photos/${photo.id}/like`, cleo.cookie), 200);
    await owner.waitFor(() => likeNotes(cleo).length >= 1);
    await jobsSettled(server.app);
    assert.equal(likeNotes(bob).length, 1, 'one live notification for bob, however often he toggles');
    const stored = (await notificationsOf(lia)).items.filter((n) => n.type === 'like');
    assert.deepEqual(stored.map((n) => n.actor?.username).sort(), ['bob', 'cleo']);
    await watcher.waitFor(() => liked().length >= 4);
    assert.deepEqual(liked().map((d) => d.likes), [1, 0, 1, 2]);
  });

  test('liking twice answers 200 both times and counts once; unliking twice likewise', async () => {
    const dan = await signUp(server.url, 'dan');
    const p = await smallPhoto(lia);
    for (let i = 0; i < 2; i++) {
      const res = await put(`/api/photos/${p.id}/like`, dan.cookie);
      expectStatus(res, 200);
      assert.deepEqual(res.body, { likes: 1, liked: true }, `like #${i + 1}`);
    }
    let seen = (await getPhoto(server.url, p.id, dan.cookie)).body.photo;
    assert.deepEqual([seen.likes, seen.liked], [1, true]);
    assert.equal((await getPhoto(server.url, p.id)).body.photo.liked, false, 'anonymous viewers like nothing');
    for (let i = 0; i < 2; i++) {
      const res = await del(`/api/photos/${p.id}/like`, dan.cookie);
      expectStatus(res, 200);
      assert.deepEqual(res.body, { likes: 0, liked: false }, `unlike #${i + 1}`);
    }
    seen = (await getPhoto(server.url, p.id, dan.cookie)).body.photo;
    assert.deepEqual([seen.likes, seen.liked], [0, false]);
  });

  test('liking needs a session and a photo that exists', async () => {
    expectStatus(await put(`/api/photos/${photo.id}/like`), 401, 'UNAUTHENTICATED');
    expectStatus(await del(`/api/photos/${photo.id}/like`), 401, 'UNAUTHENTICATED');
    expectStatus(await put('/api/photos/987654321/like', bob.cookie), 404, 'NOT_FOUND');
    expectStatus(await put('/api/photos/not-a-number/like', bob.cookie), 400, 'VALIDATION');
    expectStatus(await call(server.url, 'PUT', `/api/photos/${photo.id}/like`, { cookie: bob.cookie, headers: { origin: 'https://evil.example' } }), 403, 'CSRF');
  });
});

describe('follows and profiles', () => {
  test('following twice answers 200 both times with followers 1; unfollowing twice likewise with 0', async () => {
    const gus = await signUp(server.url, 'gus');
    await signUp(server.url, 'hal');
    for (let i = 0; i < 2; i++) {
      const res = await put('/api/users/hal/follow', gus.cookie);
      expectStatus(res, 200);
      assert.deepEqual(res.body, { following: true, followers: 1 }, `follow #${i + 1}`);
    }
    const hal = await profileOf('hal', gus.cookie);
    assert.equal(hal.following, true);
    assert.deepEqual(hal.counts, { photos: 0, followers: 1, following: 0 });
    assert.deepEqual((await profileOf('gus')).counts, { photos: 0, followers: 0, following: 1 });
    for (let i = 0; i < 2; i++) {
      const res = await del('/api/users/hal/follow', gus.cookie);
      expectStatus(res, 200);
      assert.deepEqual(res.body, { following: false, followers: 0 }, `unfollow #${i + 1}`);
    }
    assert.equal((await profileOf('hal', gus.cookie)).following, false);
    assert.deepEqual((await profileOf('gus')).counts, { photos: 0, followers: 0, following: 0 });
  });

  test('following yourself is 400 SELF_FOLLOW; signed out is 401; an unknown user is 404', async () => {
    const ike = await signUp(server.url, 'ike');
    expectStatus(await put('/api/users/ike/follow', ike.cookie), 400, 'SELF_FOLLOW');
    expectStatus(await del('/api/users/ike/follow', ike.cookie), 400, 'SELF_FOLLOW');
    expectStatus(await put('/api/users/ike/follow'), 401, 'UNAUTHENTICATED');
    expectStatus(await del('/api/users/ike/follow'), 401, 'UNAUTHENTICATED');
    expectStatus(await put('/api/users/nobody_here/follow', ike.cookie), 404, 'NOT_FOUND');
    expectStatus(await put('/api/users/Ike/follow', ike.cookie), 404, 'NOT_FOUND');
    assert.deepEqual((await profileOf('ike')).counts, { photos: 0, followers: 0, following: 0 });
  });

  test('a follow pushes profile.counts on both profiles, notifies the followee, and fills the follower home', async () => {
    const kai = await signUp(server.url, 'kai');
    const ivy = await signUp(server.url, 'ivy');
    const older = await smallPhoto(kai); // before the follow: backfilled into ivy's home
    const kaiWatch = await sockets.open(undefined, 'profile:kai');
    const ivyWatch = await sockets.open(undefined, 'profile:ivy');
    const ivyHome = await sockets.open(ivy.cookie, 'home');

    expectStatus(await put('/api/users/kai/follow', ivy.cookie), 200);
    const counts = (s: TestSocket, username: string) => eventsOf(s, 'profile.counts', `profile:${username}`).map((e) => e.data);
    await kaiWatch.waitFor(() => counts(kaiWatch, 'kai').some((c) => c.counts.followers === 1));
    assert.deepEqual(counts(kaiWatch, 'kai').at(-1), { username: 'kai', counts: { photos: 1, followers: 1, following: 0 } });
    await ivyWatch.waitFor(() => counts(ivyWatch, 'ivy').some((c) => c.counts.following === 1));
    assert.deepEqual(counts(ivyWatch, 'ivy').at(-1), { username: 'ivy', counts: { photos: 0, followers: 0, following: 1 } });

    await until('the follow notification', () => notificationsOf(kai), (page) => page.items.some((n) => n.type === 'follow'));
    const follow = (await notificationsOf(kai)).items.find((n) => n.type === 'follow')!;
    assert.deepEqual(follow.actor, userRef(ivy.id, 'ivy'));

    const homeIds = async () => (await allPages(server.url, '/api/feeds/home', { cookie: ivy.cookie })).items.map((p) => p.id);
    assert.deepEqual(await homeIds(), [older.id], 'the followee’s earlier photos are in the new follower’s home');

    // A new photo of kai reaches ivy's home live, and the counts move on kai's profile stream.
    const newer = await smallPhoto(kai);
    await readyEvent(ivyHome, 'home', newer.id);
    await kaiWatch.waitFor(() => counts(kaiWatch, 'kai').some((c) => c.counts.photos === 2));
    assert.deepEqual((await profileOf('kai', ivy.cookie)).counts, { photos: 2, followers: 1, following: 0 });
    assert.equal((await profileOf('kai', ivy.cookie)).following, true);
    assert.deepEqual(await homeIds(), [newer.id, older.id]);

    // Unfollowing takes kai's photos out of ivy's home; the counts follow.
    expectStatus(await del('/api/users/kai/follow', ivy.cookie), 200);
    await kaiWatch.waitFor(() => counts(kaiWatch, 'kai').at(-1)?.counts.followers === 0);
    assert.deepEqual(await homeIds(), []);
  });
});

describe('deleting a photo', () => {
  let jo: Session;
  let kim: Session;
  let stranger: Session;
  let photo: Photo;
  let walls: Walls;
  let ownerHome: TestSocket;

  before(async () => {
    jo = await signUp(server.url, 'jo_owner');
    kim = await signUp(server.url, 'kim');
    stranger = await signUp(server.url, 'stranger');
    expectStatus(await put('/api/users/jo_owner/follow', kim.cookie), 200);
    walls = await openWalls(sockets, { owner: jo, follower: kim, city: 'paris-fr' });
    ownerHome = await sockets.open(jo.cookie, 'home');
    photo = await smallPhoto(jo, { city: 'paris-fr', caption: 'to be deleted' });
    await readyEvent(walls.home, 'home', photo.id);
    assert.equal(photo.city?.slug, 'paris-fr');
  });

  test('a stranger may not (403), nor anyone signed out (401); the photo stays', async () => {
    expectStatus(await del(`/api/photos/${photo.id}`, stranger.cookie), 403, 'FORBIDDEN');
    expectStatus(await del(`/api/photos/${photo.id}`), 401, 'UNAUTHENTICATED');
    expectStatus(await call(server.url, 'DELETE', `/api/photos/${photo.id}`, { cookie: jo.cookie, headers: { origin: 'http://evil.example' } }), 403, 'CSRF');
    expectStatus(await getPhoto(server.url, photo.id), 200);
  });

  test('the owner deletes it: 204, photo.deleted on every stream, gone from every feed, 404, files purged', async () => {
    const cityBefore = (await call<{ city: { photos: number } }>(server.url, 'GET', '/api/cities/paris-fr')).body.city.photos;
    const countsBefore = (await profileOf('jo_owner')).counts;
    assert.equal(countsBefore.photos, 1);

    const res = await del(`/api/photos/${photo.id}`, jo.cookie);
    expectStatus(res, 204);
    const events: Envelope<'photo.deleted'>[] = await Promise.all([
      deletedEvent(walls.latest, 'latest', photo.id),
      deletedEvent(walls.city, 'city:paris-fr', photo.id),
      deletedEvent(walls.profile, 'profile:jo_owner', photo.id),
      deletedEvent(walls.home, 'home', photo.id),
      deletedEvent(ownerHome, 'home', photo.id),
    ]);
    for (const env of events) assert.deepEqual(env.data, { id: photo.id });

    for (const [path, cookie] of [
      ['/api/feeds/latest', undefined],
      ['/api/feeds/home', kim.cookie],
      ['/api/feeds/home', jo.cookie],
      ['/api/feeds/city/paris-fr', undefined],
      ['/api/users/jo_owner/photos', jo.cookie],
      ['/api/users/jo_owner/photos', undefined],
    ] as const) {
      const ids = (await allPages(server.url, path, { cookie })).items.map((p) => p.id);
      assert.ok(!ids.includes(photo.id), `${path} (${cookie ? 'signed in' : 'anonymous'}) still lists it`);
    }
    expectStatus(await getPhoto(server.url, photo.id), 404, 'NOT_FOUND');
    expectStatus(await getPhoto(server.url, photo.id, jo.cookie), 404, 'NOT_FOUND');
    expectStatus(await put(`/api/photos/${photo.id}/like`, kim.cookie), 404, 'NOT_FOUND');
    expectStatus(await del(`/api/photos/${photo.id}`, jo.cookie), 404, 'NOT_FOUND');

    for (const url of [photo.variants!.display, photo.variants!.thumb]) {
      await until(`${url} to be purged`, async () => (await fetch(`${server.url}${url}`)).status, (status) => status === 404, 5_000);
    }
    assert.deepEqual((await profileOf('jo_owner')).counts, { ...countsBefore, photos: 0 });
    assert.equal((await call<{ city: { photos: number } }>(server.url, 'GET', '/api/cities/paris-fr')).body.city.photos, cityBefore - 1);
    await walls.profile.waitFor((evs) => evs.some((e) => e.type === 'profile.counts' && (e.data as Profile).counts.photos === 0));
  });

  test('an admin can delete someone else’s photo', async () => {
    const other = await smallPhoto(jo, { caption: 'the admin removes this one' });
    expectStatus(await del(`/api/photos/${other.id}`, server.admin.cookie), 204);
    await deletedEvent(walls.latest, 'latest', other.id);
    expectStatus(await getPhoto(server.url, other.id, jo.cookie), 404, 'NOT_FOUND');
  });
});

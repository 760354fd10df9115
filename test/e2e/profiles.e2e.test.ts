// Profiles end to end, over real HTTP and real sockets (embedded): display name and bio, the avatar
// job (square WebP crops without metadata, a newer upload or a removal wins, old files purged),
// the public user shape wherever a user appears, `profile.updated` live, and refused input with
// nothing written.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { describe, test } from 'node:test';
import sharp from 'sharp';
import type { ChatMessage, Comment, NotificationPage, Page, Photo, Profile, PublicUser, SearchResults } from '../../src/shared/api.js';
import { processAvatarUpload } from '../../src/features/profiles/profiles.jobs.js';
import { blobKey } from '../../src/ports/blobs.js';
import { makeJpeg, makePng, pngClaiming } from '../helpers/images.js';
import { call, eventsOf, expectStatus, jobsSettled, photoServer, readyPhoto, signUp, until, uploadOk, type Session } from '../helpers/photos.js';

const server = photoServer();
const { sockets } = server;

const XSS = '<img src=x onerror=alert(1)> "\'&';

async function patchMe(s: Session | undefined, json: unknown) {
  return call<{ user: PublicUser & { isAdmin: boolean } }>(server.url, 'PATCH', '/api/me', { cookie: s?.cookie, json });
}

async function putAvatar(s: Session, file: Buffer | undefined, type = 'image/jpeg') {
  const form = new FormData();
  if (file) form.append('file', new Blob([new Uint8Array(file)], { type }), 'me.jpg');
  return call<{ status: string }>(server.url, 'PUT', '/api/me/avatar', { cookie: s.cookie, body: form });
}

async function me(s: Session): Promise<PublicUser> {
  const res = await call<{ user: PublicUser }>(server.url, 'GET', '/api/me', { cookie: s.cookie });
  expectStatus(res, 200);
  return res.body.user;
}

const mediaKey = (url: string) => url.replace(/^\/media\//, '');

describe('display name and bio', () => {
  test('are set, come back byte for byte (markup included), and show wherever the user appears', async () => {
    const ann = await signUp(server.url, 'prof_ann');
    const bob = await signUp(server.url, 'prof_bob');
    const before = await me(ann);
    assert.deepEqual(before, { id: ann.id, username: 'prof_ann', displayName: 'prof_ann', bio: '', avatar: null, isAdmin: false, isModerator: false });

    // A photo on the latest wall first, so the feed has read (and kept) the old profile.
    const photo = await readyPhoto(server.url, (await uploadOk(server.url, ann.cookie, { file: await makeJpeg({ width: 40, height: 30 }) })).id, ann.cookie);
    const latest = async () => (await call<Page<Photo>>(server.url, 'GET', '/api/feeds/latest')).body.items.find((p) => p.id === photo.id)!;
    assert.equal((await latest()).owner.displayName, 'prof_ann');

    const onProfile = await sockets.open(undefined, 'profile:prof_ann');
    const own = await sockets.open(ann.cookie, 'user', 'chat:lobby');
    const res = await patchMe(ann, { displayName: `  Ann ${XSS}\n`, bio: `Photographer.\n${XSS} #film @prof_bob` });
    expectStatus(res, 200);
    const expected: PublicUser = { id: ann.id, username: 'prof_ann', displayName: `Ann ${XSS}`, bio: `Photographer.\n${XSS} #film @prof_bob`, avatar: null };
    assert.deepEqual(res.body.user, { ...expected, isAdmin: false, isModerator: false });

    // Live, on the profile's stream and on the user's own.
    await onProfile.waitFor(() => eventsOf(onProfile, 'profile.updated').length === 1);
    assert.deepEqual(eventsOf(onProfile, 'profile.updated')[0]!.data, { user: expected });
    await own.waitFor(() => eventsOf(own, 'profile.updated', 'user').length === 1);

    // Everywhere a user appears.
    assert.deepEqual((await call<Profile>(server.url, 'GET', '/api/users/prof_ann')).body.user, expected);
    assert.deepEqual((await latest()).owner, expected, 'the feed forgot the profile it kept');
    assert.deepEqual((await call<{ photo: Photo }>(server.url, 'GET', `/api/photos/${photo.id}`)).body.photo.owner, expected);
    const comment = await call<{ comment: Comment }>(server.url, 'POST', `/api/photos/${photo.id}/comments`, {
      cookie: ann.cookie,
      json: { text: 'mine', clientId: randomUUID() },
    });
    expectStatus(comment, 201);
    assert.deepEqual(comment.body.comment.user, expected);
    // The socket was opened before the change: what it sends shows the new profile.
    const ack = await own.socket.timeout(5_000).emitWithAck('chat:send', { room: 'lobby', text: 'hello', clientId: randomUUID() });
    assert.ok(ack.ok);
    assert.deepEqual((ack as { message: ChatMessage }).message.user, expected);
    const presence = await call<{ items: PublicUser[] }>(server.url, 'GET', '/api/chat/rooms/lobby/presence', { cookie: bob.cookie });
    expectStatus(presence, 200);
    assert.deepEqual(presence.body.items.find((u) => u.id === ann.id), expected);
    // Notifications name the actor with their profile.
    expectStatus(await call(server.url, 'PUT', '/api/users/prof_bob/follow', { cookie: ann.cookie }), 200);
    const notes = await until(
      "bob's follow notification",
      async () => (await call<NotificationPage>(server.url, 'GET', '/api/notifications', { cookie: bob.cookie })).body,
      (page) => page.items.some((n) => n.type === 'follow'),
    );
    assert.deepEqual(notes.items.find((n) => n.type === 'follow')!.actor, expected);
    // Search by display name prefix, case-insensitively.
    const found = await call<SearchResults>(server.url, 'GET', `/api/search?q=${encodeURIComponent('ann <IMG')}`);
    expectStatus(found, 200);
    assert.deepEqual(found.body.users, [expected]);

    // Only what is sent changes; an empty bio clears it.
    expectStatus(await patchMe(ann, { bio: '' }), 200);
    assert.deepEqual(await me(ann), { ...expected, bio: '', isAdmin: false, isModerator: false });
  });

  test('bad input is refused with its code and changes nothing', async () => {
    const cy = await signUp(server.url, 'prof_cy');
    expectStatus(await patchMe(cy, { displayName: 'Cy' }), 200);
    const refusals: [unknown, number, string][] = [
      [{}, 400, 'VALIDATION'],
      [{ displayName: '' }, 400, 'VALIDATION'],
      [{ displayName: ' \u200b\n ' }, 400, 'VALIDATION'],
      [{ displayName: 'x'.repeat(51) }, 400, 'VALIDATION'],
      [{ displayName: 42 }, 400, 'VALIDATION'],
      [{ bio: 'b'.repeat(301) }, 400, 'VALIDATION'],
      [{ bio: null }, 400, 'VALIDATION'],
      [{ displayName: 'Fine', bio: 'b'.repeat(301) }, 400, 'VALIDATION'],
    ];
    for (const [json, status, code] of refusals) expectStatus(await patchMe(cy, json), status, code);
    expectStatus(await call(server.url, 'PATCH', '/api/me', { cookie: cy.cookie, body: '{"bio":', headers: { 'content-type': 'application/json' } }), 400);
    expectStatus(await patchMe(undefined, { displayName: 'Nobody' }), 401, 'UNAUTHENTICATED');
    expectStatus(
      await call(server.url, 'PATCH', '/api/me', { cookie: cy.cookie, json: { displayName: 'Evil' }, headers: { origin: 'https://evil.example' } }),
      403,
      'CSRF',
    );
    // 50 emoji are 50 characters, not 100 UTF-16 units.
    expectStatus(await patchMe(cy, { displayName: '📷'.repeat(50) }), 200);
    assert.equal((await me(cy)).displayName, '📷'.repeat(50));
  });
});

describe('avatars', () => {
  test('an upload becomes two square WebP crops without metadata, live; a newer one and a removal purge the old files', async () => {
    const dee = await signUp(server.url, 'prof_dee');
    const own = await sockets.open(dee.cookie, 'user', 'profile:prof_dee');
    // 400×300 with GPS and an orientation that swaps the sides: the crop is of the upright picture.
    const accepted = await putAvatar(dee, await makeJpeg({ width: 400, height: 300, orientation: 6, gps: { lat: 48.8566, lon: 2.3522 } }));
    expectStatus(accepted, 202);
    assert.deepEqual(accepted.body, { status: 'processing' });
    await own.waitFor(() => eventsOf(own, 'profile.updated', 'profile:prof_dee').length === 1, 15_000);
    const first = eventsOf(own, 'profile.updated', 'profile:prof_dee')[0]!.data.user.avatar!;
    assert.ok(first, 'the avatar is set');
    assert.deepEqual((await me(dee)).avatar, first);
    for (const [url, size] of [
      [first.small, 64],
      [first.large, 256],
    ] as const) {
      const res = await fetch(`${server.url}${url}`);
      assert.equal(res.status, 200, url);
      assert.equal(res.headers.get('content-type'), 'image/webp');
      const meta = await sharp(Buffer.from(await res.arrayBuffer())).metadata();
      assert.equal(meta.format, 'webp');
      assert.deepEqual([meta.width, meta.height], [size, size]);
      assert.equal(meta.exif, undefined, 'no EXIF (no GPS) in the avatar');
    }

    // A newer picture replaces it; the old files are purged once nothing refers to them.
    expectStatus(await putAvatar(dee, await makePng(90, 120), 'image/png'), 202);
    await own.waitFor(() => eventsOf(own, 'profile.updated', 'profile:prof_dee').length === 2, 15_000);
    const second = (await me(dee)).avatar!;
    assert.notEqual(second.large, first.large);
    await jobsSettled(server.app);
    assert.equal(await server.app.adapters.media.stat(mediaKey(first.large)), null, 'the old large file is gone');
    assert.equal(await server.app.adapters.media.stat(mediaKey(first.small)), null, 'the old small file is gone');
    assert.ok(await server.app.adapters.media.stat(mediaKey(second.large)));

    // Removing it: null everywhere, live, and its files purged.
    const removed = await call<{ user: PublicUser }>(server.url, 'DELETE', '/api/me/avatar', { cookie: dee.cookie });
    expectStatus(removed, 200);
    assert.equal(removed.body.user.avatar, null);
    await own.waitFor(() => eventsOf(own, 'profile.updated', 'profile:prof_dee').length === 3);
    await jobsSettled(server.app);
    assert.equal(await server.app.adapters.media.stat(mediaKey(second.large)), null);
    const uploads = await server.app.adapters.db.query<{ avatar_upload: string | null }>('select avatar_upload from users where id = $1', [dee.id]);
    assert.equal(uploads[0]!.avatar_upload, null);
  });

  test('two users with the same picture share its files, and one removing it leaves the other’s', async () => {
    const picture = await makeJpeg({ width: 100, height: 100 });
    const eve = await signUp(server.url, 'prof_eve');
    const fay = await signUp(server.url, 'prof_fay');
    for (const s of [eve, fay]) expectStatus(await putAvatar(s, picture), 202);
    const [a, b] = await Promise.all(
      [eve, fay].map((s) => until('the avatar', () => me(s), (u) => u.avatar !== null)),
    );
    assert.deepEqual(a!.avatar, b!.avatar, 'content-addressed: the same files');
    expectStatus(await call(server.url, 'DELETE', '/api/me/avatar', { cookie: eve.cookie }), 200);
    await jobsSettled(server.app);
    const res = await fetch(`${server.url}${b!.avatar!.large}`);
    assert.equal(res.status, 200, 'fay’s avatar is still served');
  });

  test('a text file, a bomb, an empty file and a missing file are refused at once; nothing is kept', async () => {
    const gus = await signUp(server.url, 'prof_gus');
    expectStatus(await putAvatar(gus, Buffer.from('just some text, not an image'), 'image/jpeg'), 415, 'UNSUPPORTED_MEDIA_TYPE');
    expectStatus(await putAvatar(gus, pngClaiming(10_000, 10_000), 'image/png'), 422, 'TOO_MANY_PIXELS');
    expectStatus(await putAvatar(gus, Buffer.alloc(0)), 400, 'EMPTY_FILE');
    expectStatus(await putAvatar(gus, undefined), 400, 'VALIDATION');
    expectStatus(await call(server.url, 'PUT', '/api/me/avatar', { json: {} }), 401);
    expectStatus(await call(server.url, 'PUT', '/api/me/avatar', { cookie: gus.cookie, json: { file: 'x' } }), 415);
    const [row] = await server.app.adapters.db.query<{ avatar_upload: string | null; avatar_large: string | null }>(
      'select avatar_upload, avatar_large from users where id = $1',
      [gus.id],
    );
    assert.deepEqual(row, { avatar_upload: null, avatar_large: null });
  });

  test('an upload the job cannot use clears itself and tells its owner why', async () => {
    const hal = await signUp(server.url, 'prof_hal');
    const own = await sockets.open(hal.cookie, 'user');
    // What no upload route accepts, put straight into the store as if a check had let it through.
    const key = blobKey('e'.repeat(64), 'png');
    await server.app.adapters.uploads.put(key, Buffer.from('\x89PNG\r\n\x1a\n but nothing after the signature'));
    await server.app.adapters.db.query('update users set avatar_upload = $2 where id = $1', [hal.id, key]);
    const deps = { db: server.app.adapters.db, bus: server.app.adapters.bus, media: server.app.adapters.media, uploads: server.app.adapters.uploads, log: console };
    await processAvatarUpload(deps, hal.id, key);
    await own.waitFor(() => eventsOf(own, 'avatar.failed').length === 1);
    assert.match(eventsOf(own, 'avatar.failed')[0]!.data.reason, /image/i);
    assert.equal((await me(hal)).avatar, null);
    const [row] = await server.app.adapters.db.query<{ avatar_upload: string | null }>('select avatar_upload from users where id = $1', [hal.id]);
    assert.equal(row!.avatar_upload, null);
    await jobsSettled(server.app);
    assert.equal(await server.app.adapters.uploads.stat(key), null, 'the upload is purged');
    // A job of an upload that was overtaken leaves the avatar alone.
    await processAvatarUpload(deps, hal.id, key);
    assert.equal(eventsOf(own, 'avatar.failed').length, 1);
  });
});

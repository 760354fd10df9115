// Hashtags and search against a real PGlite: tags linked and counted by the photo transitions only
// for ready photos, the tag feed, and /api/search (each kind, limits, validation, literal wildcards,
// and the indexes its queries walk).
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { insertComment } from '../../src/features/comments/comments.repo.js';
import { deletePhoto, insertPhoto, markFailed, markReady } from '../../src/features/photos/photos.repo.js';
import { SEARCH_USERS_SQL } from '../../src/features/search/search.repo.js';
import { prefixPattern, SEARCH_TAGS_SQL } from '../../src/features/tags/tags.repo.js';
import { parseTags } from '../../src/features/tags/tags.text.js';
import type { Db } from '../../src/ports/db.js';
import type { Page, Photo, SearchResults } from '../../src/shared/api.js';
import { buildTestApp, type TestApp } from '../helpers/app.js';
import { openFreshDb } from '../helpers/data-dir.js';

const variants = (n: number) => ({
  width: 10,
  height: 10,
  thumbKey: `t${n}.webp`,
  displayKey: `d${n}.webp`,
  placeholder: 'x',
  cityId: null,
});

let seq = 0;
async function addUser(db: Db, username: string): Promise<string> {
  const [row] = await db.query<{ id: string }>(`insert into users (username, password_hash) values ($1, 'not-a-hash') returning id`, [username]);
  return row!.id;
}

/** A photo with this caption, processing. */
async function photo(db: Db, ownerId: string, caption: string): Promise<string> {
  return db.tx((q) => insertPhoto(q, { ownerId, caption, cityId: null, uploadKey: `u${++seq}.jpg` }));
}

async function readyPhoto(db: Db, ownerId: string, caption: string): Promise<string> {
  const id = await photo(db, ownerId, caption);
  assert.ok(await db.tx((q) => markReady(q, id, variants(++seq))));
  return id;
}

async function counts(db: Db): Promise<Record<string, number>> {
  const rows = await db.query<{ name: string; photos_count: number }>(`select name, photos_count from tags order by name`);
  return Object.fromEntries(rows.map((r) => [r.name, r.photos_count]));
}

async function links(db: Db, photoId: string): Promise<string[]> {
  const rows = await db.query<{ name: string }>(`select t.name from photo_tags pt join tags t on t.id = pt.tag_id where pt.photo_id = $1 order by t.name`, [photoId]);
  return rows.map((r) => r.name);
}

describe('tags follow the photo transitions', () => {
  let db: Db;
  let dispose: () => Promise<void>;
  let owner: string;
  before(async () => {
    ({ db, dispose } = await openFreshDb());
    owner = await addUser(db, 'tagger');
  });
  after(() => dispose());

  test('a photo is linked to its tags when it becomes ready, once, and counted', async () => {
    const id = await photo(db, owner, 'Evening #Sunset at the #beach #sunset');
    assert.deepEqual(await links(db, id), [], 'a processing photo is in no tag');
    assert.deepEqual(await counts(db), {});
    assert.ok(await db.tx((q) => markReady(q, id, variants(1))));
    assert.deepEqual(await links(db, id), ['beach', 'sunset']);
    assert.deepEqual(await counts(db), { beach: 1, sunset: 1 });
    // A redelivered job changes nothing twice.
    assert.equal(await db.tx((q) => markReady(q, id, variants(1))), null);
    assert.deepEqual(await counts(db), { beach: 1, sunset: 1 });
    const other = await readyPhoto(db, owner, '#sunset again');
    assert.deepEqual(await counts(db), { beach: 1, sunset: 2 });
    assert.deepEqual(await links(db, other), ['sunset']);
  });

  test('failed and processing photos never count; deleting a ready photo uncounts it', async () => {
    const failed = await photo(db, owner, '#broken #sunset');
    assert.ok(await db.tx((q) => markFailed(q, failed, 'nope')));
    const processing = await photo(db, owner, '#sunset #pending');
    assert.deepEqual(await counts(db), { beach: 1, sunset: 2 });

    const goneProcessing = await db.tx((q) => deletePhoto(q, processing));
    assert.deepEqual(goneProcessing?.tags, []);
    const goneFailed = await db.tx((q) => deletePhoto(q, failed));
    assert.deepEqual(goneFailed?.tags, []);
    assert.deepEqual(await counts(db), { beach: 1, sunset: 2 });

    const ready = await readyPhoto(db, owner, '#Beach #sunset #solo');
    assert.deepEqual(await counts(db), { beach: 2, solo: 1, sunset: 3 });
    const gone = await db.tx((q) => deletePhoto(q, ready));
    assert.deepEqual(gone?.tags, ['beach', 'solo', 'sunset'], 'the walls to tell');
    assert.deepEqual(await counts(db), { beach: 1, solo: 0, sunset: 2 });
    assert.equal(await db.tx((q) => deletePhoto(q, ready)), null, 'a second delete finds nothing');
    assert.deepEqual(await counts(db), { beach: 1, solo: 0, sunset: 2 });

    // A ready photo that leaves the walls another way (an account being deleted) is uncounted at once.
    const leaving = await readyPhoto(db, owner, '#sunset #leaving');
    assert.deepEqual(await counts(db), { beach: 1, leaving: 1, solo: 0, sunset: 3 });
    await db.query(`update photos set status = 'deleting' where id = $1`, [leaving]);
    assert.deepEqual(await counts(db), { beach: 1, leaving: 0, solo: 0, sunset: 2 });
    assert.deepEqual(await links(db, leaving), []);
    await db.query(`delete from photos where id = $1`, [leaving]);
    const cascaded = await readyPhoto(db, owner, '#sunset');
    await db.query(`delete from photos where id = $1`, [cascaded]);
    assert.deepEqual(await counts(db), { beach: 1, leaving: 0, solo: 0, sunset: 2 }, 'a plain delete (cascade) uncounts too');
  });
});

test('tags in comments are linked to the comment; they count no photo', async () => {
  const { db, dispose } = await openFreshDb();
  try {
    const owner = await addUser(db, 'commenter');
    const id = await readyPhoto(db, owner, '#sunset');
    const comment = await db.tx((q) => insertComment(q, { photoId: id, userId: owner, clientId: 'c1', text: 'Love this #Sunset #wow' }));
    assert.ok(comment);
    const rows = await db.query<{ name: string }>(
      `select t.name from comment_tags ct join tags t on t.id = ct.tag_id where ct.comment_id = $1 order by t.name`,
      [comment.id],
    );
    assert.deepEqual(rows.map((r) => r.name), ['sunset', 'wow']);
    assert.deepEqual(await counts(db), { sunset: 1, wow: 0 });
    assert.deepEqual(parseTags('Love this #Sunset #wow'), ['sunset', 'wow'], 'the parser comments call');
  } finally {
    await dispose();
  }
});

describe('the tag feed and search over HTTP', () => {
  let app: TestApp;
  let db: Db;
  const sunsets: string[] = [];

  before(async () => {
    app = await buildTestApp(null);
    db = app.adapters.db;
    const owner = await addUser(db, 'sam');
    for (let i = 0; i < 5; i++) sunsets.push(await readyPhoto(db, owner, `day ${i} #Sunset`));
    await photo(db, owner, '#sunset still processing');
    await readyPhoto(db, owner, '#a_b literal underscore');
    await readyPhoto(db, owner, '#axb not a match for a_');
    await readyPhoto(db, owner, '#東京');
    for (let i = 0; i < 12; i++) {
      await addUser(db, `samuel${String(i).padStart(2, '0')}`);
      await readyPhoto(db, owner, `#sun${String(i).padStart(2, '0')}`);
    }
    await addUser(db, 'sam_x');
    await addUser(db, 'samyx');
  });
  after(() => app.close());

  const get = async <T>(url: string) => {
    const res = await app.app.inject({ method: 'GET', url });
    return { status: res.statusCode, body: res.json() as T };
  };

  test('GET /api/feeds/tag/:tag pages through the ready photos of a tag, newest first', async () => {
    const seen: string[] = [];
    let url = '/api/feeds/tag/sunset?limit=2';
    let pages = 0;
    for (;;) {
      const res = await get<Page<Photo>>(url);
      assert.equal(res.status, 200, JSON.stringify(res.body));
      seen.push(...res.body.items.map((p) => p.id));
      assert.ok(res.body.items.every((p) => p.status === 'ready' && /#sunset/i.test(p.caption)));
      pages++;
      if (!res.body.next) break;
      url = `/api/feeds/tag/sunset?limit=2&before=${encodeURIComponent(res.body.next)}`;
    }
    assert.deepEqual(seen, [...sunsets].reverse());
    assert.equal(pages, 3);
    // Any case and normalization form is the same tag.
    assert.deepEqual((await get<Page<Photo>>('/api/feeds/tag/SUNSET?limit=100')).body.items.map((p) => p.id), [...sunsets].reverse());
    assert.equal((await get<Page<Photo>>(`/api/feeds/tag/${encodeURIComponent('東京')}`)).body.items.length, 1);
    assert.equal((await get<Page<Photo>>('/api/feeds/tag/%23sunset?limit=100')).body.items.length, 5, 'a leading # is allowed');
    assert.deepEqual((await get('/api/tags/Sunset')).body, { tag: { name: 'sunset', photos: 5 } });
  });

  test('a well-formed tag nobody used is an empty feed; a malformed one is 400 VALIDATION', async () => {
    assert.deepEqual(await get('/api/feeds/tag/nobodyusesthis'), { status: 200, body: { items: [], next: null } });
    assert.deepEqual((await get('/api/tags/nobodyusesthis')).body, { tag: { name: 'nobodyusesthis', photos: 0 } });
    for (const bad of ['two%20words', 'a'.repeat(51), 'a-b', '%23', 'sun%25', 'x'.repeat(500), '%F0%9F%8C%85']) {
      const res = await get<{ error: { code: string } }>(`/api/feeds/tag/${bad}`);
      assert.equal(res.status, 400, bad);
      assert.equal(res.body.error.code, 'VALIDATION', bad);
    }
    const cursor = await get<{ error: { code: string } }>('/api/feeds/tag/sunset?before=nonsense');
    assert.equal(cursor.status, 400);
  });

  test('search finds users, tags and cities by prefix, at most 10 of each', async () => {
    const res = await get<SearchResults>('/api/search?q=sam');
    assert.equal(res.status, 200);
    assert.equal(res.body.users.length, 10);
    assert.equal(res.body.users[0]!.username, 'sam', 'an exact match first');
    assert.ok(res.body.users.every((u) => u.username.startsWith('sam') && typeof u.id === 'string'));
    assert.deepEqual(Object.keys(res.body.users[0]!).sort(), ['avatar', 'bio', 'displayName', 'id', 'username']);

    const sun = await get<SearchResults>('/api/search?q=Sun');
    assert.equal(sun.body.tags.length, 10);
    assert.deepEqual(sun.body.tags[0], { name: 'sunset', photos: 5 }, 'most photos first');
    assert.ok(sun.body.tags.every((t) => t.name.startsWith('sun')));
    assert.ok(sun.body.cities.length > 0 && sun.body.cities.length <= 10);
    assert.ok(sun.body.cities.every((c) => c.name.toLowerCase().startsWith('sun')));

    const paris = await get<SearchResults>('/api/search?q=pari');
    assert.equal(paris.body.cities[0]?.slug, 'paris-fr');
    assert.ok(paris.body.cities.length <= 10);

    const hashed = await get<SearchResults>(`/api/search?q=${encodeURIComponent('#sun')}`);
    assert.deepEqual(hashed.body.users, []);
    assert.deepEqual(hashed.body.cities, []);
    assert.equal(hashed.body.tags.length, 10);
    const at = await get<SearchResults>(`/api/search?q=${encodeURIComponent('@sam')}`);
    assert.equal(at.body.users.length, 10);
    assert.deepEqual([at.body.tags, at.body.cities], [[], []]);
    const unicode = await get<SearchResults>(`/api/search?q=${encodeURIComponent('東')}`);
    assert.deepEqual(unicode.body.tags, [{ name: '東京', photos: 1 }]);
  });

  test('LIKE wildcards in q are literal', async () => {
    const underscore = await get<SearchResults>('/api/search?q=a_');
    assert.deepEqual(underscore.body.tags, [{ name: 'a_b', photos: 1 }]);
    const users = await get<SearchResults>('/api/search?q=sam_');
    assert.deepEqual(users.body.users.map((u) => u.username), ['sam_x']);
    for (const q of ['%', '_', 'sam%', '\\', '%sun', 's%n']) {
      const res = await get<SearchResults>(`/api/search?q=${encodeURIComponent(q)}`);
      assert.equal(res.status, 200, q);
      assert.deepEqual(res.body, { users: [], tags: [], cities: [] }, q);
    }
    assert.equal(prefixPattern('a_%\\'), 'a\\_\\%\\\\%');
  });

  test('q is 1 to 100 characters', async () => {
    for (const url of ['/api/search', '/api/search?q=', '/api/search?q=%20%20', `/api/search?q=${'a'.repeat(101)}`, `/api/search?q=${'a'.repeat(500)}`]) {
      const res = await get<{ error: { code: string } }>(url);
      assert.equal(res.status, 400, url);
      assert.equal(res.body.error.code, 'VALIDATION', url);
    }
    assert.equal((await get(`/api/search?q=${'a'.repeat(100)}`)).status, 200);
    assert.equal((await get('/api/search?q=%00')).status, 200);
  });

  test('the tag and user searches walk their prefix indexes (EXPLAIN)', async () => {
    await db.query(`insert into tags (name, photos_count) select 'gen' || g, g % 7 from generate_series(1, 5000) g`);
    await db.query(`insert into users (username, password_hash) select 'gen' || g, 'x' from generate_series(1, 5000) g`);
    await db.query('analyze tags');
    await db.query('analyze users');
    const plan = async (sql: string, params: unknown[]) =>
      (await db.query<{ 'QUERY PLAN': string }>(`explain ${sql}`, params)).map((r) => r['QUERY PLAN']).join('\n');
    const tags = await plan(SEARCH_TAGS_SQL, [prefixPattern('gen12'), 10]);
    assert.match(tags, /tags_prefix_idx/, tags);
    assert.doesNotMatch(tags, /Seq Scan/, tags);
    const users = await plan(SEARCH_USERS_SQL, [prefixPattern('gen12'), 10]);
    assert.match(users, /users_username_prefix_idx|users_username_key/, users);
    assert.doesNotMatch(users, /Seq Scan/, users);
    // The feed walks the tag's links, not every photo.
    const [tag] = await db.query<{ id: string }>(`select id from tags where name = 'sunset'`);
    const feed = await plan(
      `select p.* from photo_tags t join photos p on p.id = t.photo_id where t.tag_id = $1::bigint and p.status = 'ready' order by t.photo_id desc limit 20`,
      [tag!.id],
    );
    assert.doesNotMatch(feed, /Seq Scan on photos/, feed);
  });
});

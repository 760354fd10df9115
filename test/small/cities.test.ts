// City slugs and the nearest-city lookup: pure logic, no database.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CityIndex } from '../../src/features/cities/nearest.js';
import { assignSlugs, slugify } from '../../src/features/cities/cities.slug.js';

test('slugs are lowercase ASCII words joined by hyphens', () => {
  assert.equal(slugify('São Paulo'), 'sao-paulo');
  assert.equal(slugify("Val-d'Or"), 'val-d-or');
  assert.equal(slugify('  Zürich  '), 'zurich');
  assert.equal(slugify('Сопиште'), '');
});

test('the biggest namesake gets the short slug; others get their region, then their id', () => {
  const slugs = assignSlugs([
    { id: 3, name: 'Paris', country: 'US', region: 'TX', population: 24_782 },
    { id: 1, name: 'Paris', country: 'FR', region: '11', population: 2_138_551 },
    { id: 2, name: 'Paris', country: 'US', region: 'TN', population: 10_150 },
    { id: 4, name: 'Paris', country: 'US', region: 'TX', population: 5_000 },
    { id: 5, name: 'Сопиште', country: 'MK', region: '', population: 5_500 },
  ]);
  assert.deepEqual(Object.fromEntries(slugs), {
    1: 'paris-fr',
    3: 'paris-us',
    2: 'paris-us-tn',
    4: 'paris-us-tx',
    5: 'city-mk',
  });
  // Same input, same slugs, whatever the order.
  const again = assignSlugs([...slugs.keys()].reverse().map((id) => ({ id, name: id === 5 ? 'Сопиште' : 'Paris', country: id === 1 ? 'FR' : id === 5 ? 'MK' : 'US', region: { 1: '11', 2: 'TN', 3: 'TX', 4: 'TX', 5: '' }[id]!, population: { 1: 2_138_551, 2: 10_150, 3: 24_782, 4: 5_000, 5: 5_500 }[id]! })));
  assert.deepEqual(again, slugs);
});

test('slug clashes that survive the region fall back to the id', () => {
  const slugs = assignSlugs([
    { id: 10, name: 'Springfield', country: 'US', region: 'IL', population: 100_000 },
    { id: 11, name: 'Springfield', country: 'US', region: 'IL', population: 50_000 },
    { id: 12, name: 'Springfield', country: 'US', region: 'IL', population: 10_000 },
  ]);
  assert.deepEqual([slugs.get(10), slugs.get(11), slugs.get(12)], ['springfield-us', 'springfield-us-il', 'springfield-us-12']);
});

const index = new CityIndex([
  { id: 1, slug: 'paris-fr', lat: 48.85341, lon: 2.3488, population: 2_138_551 },
  { id: 2, slug: 'boulogne-billancourt-fr', lat: 48.83545, lon: 2.24128, population: 121_334 },
  { id: 6, slug: 'saint-mande-fr', lat: 48.84224, lon: 2.41822, population: 22_000 },
  { id: 3, slug: 'london-gb', lat: 51.50853, lon: -0.12574 },
  { id: 4, slug: 'suva-fj', lat: -18.14161, lon: 178.44149 },
  { id: 5, slug: 'apia-ws', lat: -13.83333, lon: -171.76666 },
]);

test('the nearest city is found by great-circle distance', () => {
  assert.equal(index.nearest(48.8566, 2.3522)?.slug, 'paris-fr');
  assert.equal(index.nearest(48.835, 2.235)?.slug, 'boulogne-billancourt-fr');
  assert.equal(index.nearest(51.5, -0.1)?.slug, 'london-gb');
  const hit = index.nearest(48.8566, 2.3522)!;
  assert.ok(hit.km > 0.3 && hit.km < 0.6, `${hit.km} km`);
});

test('a much bigger city a little farther away wins over a suburb whose centre is nearer', () => {
  // 300 m from the centre of Saint-Mandé, 5 km from the centre of Paris: that is Paris.
  assert.equal(index.nearest(48.8425, 2.4222)?.slug, 'paris-fr');
  // A town more than the slack away from the big city's centre stays itself (Boulogne, 8.2 km out).
  assert.equal(index.nearest(48.8354, 2.2412)?.slug, 'boulogne-billancourt-fr');
});

test('across the antimeridian, the near side wins over the numerically close one', () => {
  // 179.9 W is about 170 km from Suva (178.4 E) across the line, and about 1,000 km from Apia
  // (171.8 W), whose longitude is numerically closer.
  assert.equal(index.nearest(-18, -179.9, 2_000)?.slug, 'suva-fj');
  assert.equal(index.nearest(-13.9, -173, 2_000)?.slug, 'apia-ws');
});

test('a position far from every city gets none', () => {
  assert.equal(index.nearest(0, -30), null); // mid-Atlantic
  assert.equal(new CityIndex([]).nearest(48.85, 2.35), null);
});

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isCrossSite } from '../../src/http/origin.js';

test('no Origin is not cross-site, whatever Sec-Fetch-Site says', () => {
  assert.equal(isCrossSite({ host: 'a.example', 'sec-fetch-site': 'cross-site' }, undefined), false);
});

test('the own host, or PUBLIC_URL, is same-site; anything else is refused', () => {
  assert.equal(isCrossSite({ host: 'a.example:3000', origin: 'http://a.example:3000' }, undefined), false);
  assert.equal(isCrossSite({ host: '10.0.0.5:3000', origin: 'https://strobe.example' }, new URL('https://strobe.example')), false);
  assert.equal(isCrossSite({ host: 'a.example:3000', origin: 'http://evil.example' }, undefined), true);
  assert.equal(isCrossSite({ host: 'a.example:3000', origin: 'http://a.example:3001' }, undefined), true);
  assert.equal(isCrossSite({ host: 'a.example', origin: 'null' }, undefined), true);
  assert.equal(isCrossSite({ host: 'a.example', origin: 'garbage' }, undefined), true);
});

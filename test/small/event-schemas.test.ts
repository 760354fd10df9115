// docs/schemas/<type>.json are generated from the API's response schemas; they must not drift.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { DOMAIN_EVENT_TYPES } from '../../src/features/events/events.js';
import { eventSchema } from '../../src/features/events/events.schemas.js';

test('docs/schemas holds the current schema of every domain event (regenerate: npm run events:schemas)', () => {
  for (const type of DOMAIN_EVENT_TYPES) {
    const file = JSON.parse(readFileSync(`docs/schemas/${type}.json`, 'utf8')) as object;
    assert.deepEqual(file, eventSchema(type), `docs/schemas/${type}.json is stale: run npm run events:schemas`);
  }
});

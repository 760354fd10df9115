// Writes docs/schemas/<type>.json, the JSON Schema of each domain event (src/features/events).
import { writeFileSync } from 'node:fs';
import { DOMAIN_EVENT_TYPES } from '../src/features/events/events.js';
import { eventSchema } from '../src/features/events/events.schemas.js';

for (const type of DOMAIN_EVENT_TYPES) {
  writeFileSync(new URL(`../docs/schemas/${type}.json`, import.meta.url), `${JSON.stringify(eventSchema(type), null, 2)}\n`);
}
console.log(`wrote ${DOMAIN_EVENT_TYPES.length} schemas to docs/schemas/`);

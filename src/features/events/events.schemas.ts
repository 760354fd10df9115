// The JSON Schema of each domain event as published, built from the same schemas the HTTP API
// answers with, so an event's resource is the resource as the API returns it. `npm run
// events:schemas` writes them to docs/schemas/<type>.json; a test keeps those files current and
// validates every event it publishes against them.
import { Type, type TSchema } from '@fastify/type-provider-typebox';
import { PublicUserSchema } from '../../http/schemas.js';
import { CommentSchema } from '../comments/comments.schemas.js';
import { PhotoSchema } from '../photos/photos.schemas.js';
import { EVENT_VERSION, type DomainEventType } from './events.js';

const PhotoRef = Type.Object({ id: Type.String(), ownerId: Type.String() }, { additionalProperties: false });

const DATA: Record<DomainEventType, TSchema> = {
  'photo.ready': Type.Object({ photo: PhotoSchema }, { description: 'A photo finished processing and is on the walls.' }),
  'photo.deleted': Type.Object({ photo: PhotoRef }, { description: 'A photo was deleted (by its owner, a moderator, or its account’s deletion).' }),
  'photo.liked': Type.Object(
    { photo: Type.Object({ id: Type.String(), ownerId: Type.String(), likes: Type.Integer({ description: 'The count after this like.' }) }), user: PublicUserSchema },
    { description: 'Someone liked a photo (an unlike publishes nothing).' },
  ),
  'user.registered': Type.Object({ user: PublicUserSchema }, { description: 'An account was created.' }),
  'user.followed': Type.Object({ follower: PublicUserSchema, followee: PublicUserSchema }, { description: 'Someone started following someone.' }),
  'comment.created': Type.Object({ comment: CommentSchema, photo: PhotoRef }, { description: 'A comment was posted on a photo.' }),
};

export function eventSchema(type: DomainEventType): object {
  const envelope = {
    $schema: 'http://json-schema.org/draft-07/schema#',
    $id: `urn:strobe:event:${type}`,
    title: type,
    type: 'object',
    additionalProperties: false,
    required: ['id', 'type', 'version', 'occurredAt', 'data'],
    properties: {
      id: { type: 'string', format: 'uuid', description: 'Unique per event: deduplicate by it.' },
      type: { const: type },
      version: { const: EVENT_VERSION },
      occurredAt: { type: 'string', format: 'date-time' },
      data: DATA[type],
    },
  };
  // Through JSON: TypeBox's own markers (symbols) are not JSON Schema.
  return JSON.parse(JSON.stringify(envelope)) as object;
}

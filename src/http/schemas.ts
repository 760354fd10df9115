// Response shapes used by more than one feature. Responses are serialized through their schema, so
// a field missing here never reaches a client.
import { Type, type TSchema } from '@fastify/type-provider-typebox';

export const Nullable = <T extends TSchema>(schema: T) => Type.Union([schema, Type.Null()]);

export const AvatarSchema = Type.Object(
  { small: Type.String({ description: '64 px square WebP under /media.' }), large: Type.String({ description: '256 px square WebP under /media.' }) },
  { description: 'Null until the user sets a picture.' },
);

/** A user as anyone may see them: the same shape wherever a user appears. */
export const PublicUserSchema = Type.Object({
  id: Type.String(),
  username: Type.String({ description: "A deleted account's chat messages show `[deleted]`." }),
  displayName: Type.String({ description: 'Their chosen name (1 to 50 characters), or their username until they choose one.' }),
  bio: Type.String({ description: 'Up to 300 characters of plain text; empty when none.' }),
  avatar: Nullable(AvatarSchema),
});

export const pageOf = <T extends TSchema>(item: T) => Type.Object({ items: Type.Array(item), next: Type.Union([Type.String(), Type.Null()]) });

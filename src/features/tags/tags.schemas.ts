import { Type } from '@fastify/type-provider-typebox';

/**
 * Any case and normalization form is accepted here; the route normalizes it and checks the rest
 * (tag characters only, 1–50 after NFC: 400 VALIDATION otherwise). No `pattern`: the character
 * classes need a Unicode-aware regex, which not every OpenAPI consumer applies.
 */
export const TagParams = Type.Object({
  tag: Type.String({
    minLength: 1,
    maxLength: 200,
    description: 'A hashtag without its `#`: 1 to 50 letters, digits or underscores, e.g. `sunset` (any case).',
  }),
});

export const TagSchema = Type.Object({ name: Type.String(), photos: Type.Integer({ description: 'Ready photos carrying the tag.' }) });
export const TagReply = Type.Object({ tag: TagSchema });

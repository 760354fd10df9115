import { Type } from '@fastify/type-provider-typebox';
import { Nullable, PublicUserSchema } from '../../http/schemas.js';

export const CityRefSchema = Type.Object({ slug: Type.String(), name: Type.String(), country: Type.String() });

export const PhotoSchema = Type.Object({
  id: Type.String(),
  owner: PublicUserSchema,
  caption: Type.String(),
  city: Nullable(CityRefSchema),
  status: Type.Union([Type.Literal('processing'), Type.Literal('ready'), Type.Literal('failed')]),
  width: Nullable(Type.Integer()),
  height: Nullable(Type.Integer()),
  variants: Nullable(Type.Object({ thumb: Type.String(), display: Type.String() })),
  placeholder: Nullable(Type.String()),
  likes: Type.Integer(),
  comments: Type.Integer({ description: 'How many comments it has (GET /api/photos/{id}/comments).' }),
  liked: Type.Boolean(),
  failure: Nullable(Type.String()),
  createdAt: Type.String(),
});

export const PhotoReply = Type.Object({ photo: PhotoSchema });
export const PhotoParams = Type.Object({ id: Type.String({ pattern: '^[0-9]{1,18}$', description: 'Photo ids are numbers.' }) });
export const LikeReply = Type.Object({ likes: Type.Integer(), liked: Type.Boolean() });
export const CitySlugParams = Type.Object({ slug: Type.String({ maxLength: 120 }) });

export const UploadForm = Type.Object(
  {
    file: Type.String({ format: 'binary', description: 'JPEG, PNG, WebP, AVIF or GIF; at most 25 MB and 60 megapixels.' }),
    caption: Type.Optional(Type.String({ maxLength: 500 })),
    city: Type.Optional(Type.String({ description: 'A city slug from /api/cities, e.g. paris-fr.' })),
  },
  { description: 'multipart/form-data' },
);

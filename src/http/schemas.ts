// Response shapes used by more than one feature. Responses are serialized through their schema, so
// a field missing here never reaches a client.
import { Type, type TSchema } from '@fastify/type-provider-typebox';

export const PublicUserSchema = Type.Object({ id: Type.String(), username: Type.String() });

export const pageOf = <T extends TSchema>(item: T) => Type.Object({ items: Type.Array(item), next: Type.Union([Type.String(), Type.Null()]) });

export const Nullable = <T extends TSchema>(schema: T) => Type.Union([schema, Type.Null()]);

import { Type } from '@fastify/type-provider-typebox';
import { PublicUserSchema } from '../../http/schemas.js';
import { LIMITS } from '../../shared/api.js';

const RoleSchema = Type.Union([Type.Literal('admin'), Type.Literal('moderator'), Type.Literal('member')], {
  description: '`role` is admin, moderator or member.',
});

export const StaffMemberSchema = Type.Object({
  user: PublicUserSchema,
  role: Type.Union([Type.Literal('admin'), Type.Literal('moderator')]),
  byConfig: Type.Boolean({ description: 'An admin by ADMIN_USERS: the API cannot change their role.' }),
});

export const StaffReply = Type.Object({ items: Type.Array(StaffMemberSchema) });

export const RoleParams = Type.Object({
  username: Type.String({ pattern: LIMITS.usernamePattern, description: 'Usernames are 3 to 30 lowercase letters, digits and underscores.' }),
});

export const RoleBody = Type.Object({ role: RoleSchema }, { additionalProperties: false });

export const RoleReply = Type.Object({
  user: PublicUserSchema,
  role: RoleSchema,
  changed: Type.Boolean({ description: 'False when they held that role already.' }),
});

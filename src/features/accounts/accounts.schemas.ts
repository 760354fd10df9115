import { Type } from '@fastify/type-provider-typebox';
import { LIMITS } from '../../shared/api.js';

export const Credentials = Type.Object(
  {
    username: Type.String({
      pattern: LIMITS.usernamePattern,
      description: 'Usernames are 3 to 30 characters: lowercase letters, digits and underscores.',
    }),
    password: Type.String({
      minLength: LIMITS.passwordMin,
      maxLength: LIMITS.passwordMax,
      description: `Passwords are ${LIMITS.passwordMin} to ${LIMITS.passwordMax} characters long.`,
    }),
  },
  { additionalProperties: false },
);

/** Login checks only shapes: a policy change must not lock out existing accounts. */
export const LoginBody = Type.Object(
  {
    username: Type.String({ minLength: 1, maxLength: 100, description: 'Enter your username.' }),
    password: Type.String({ minLength: 1, maxLength: LIMITS.passwordMax, description: 'Enter your password.' }),
  },
  { additionalProperties: false },
);

export const UserSchema = Type.Object({
  id: Type.String(),
  username: Type.String(),
  isAdmin: Type.Boolean(),
});

export const UserReply = Type.Object({ user: UserSchema });

/** What anyone may know about the instance before signing in; registration modes will join it. */
export const InstanceReply = Type.Object({
  hasAdmin: Type.Boolean({
    description:
      'Whether any account is an admin. Until one is, the first account registered from the machine Strobe runs on becomes the admin (or run `strobe admin create USERNAME`).',
  }),
});

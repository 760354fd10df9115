import { Type } from '@fastify/type-provider-typebox';
import { PublicUserSchema } from '../../http/schemas.js';
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

export const RegisterBody = Type.Object(
  {
    ...Credentials.properties,
    invite: Type.Optional(
      Type.String({
        maxLength: 200,
        description: 'The token of an invite link (its `invite` parameter): required when the instance is invite-only.',
      }),
    ),
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

/** The signed-in user: their public profile, and their roles. */
export const UserSchema = Type.Object({
  ...PublicUserSchema.properties,
  isAdmin: Type.Boolean(),
  isModerator: Type.Boolean({ description: 'Holds the moderator role (admins may moderate too, whatever this says).' }),
});

export const UserReply = Type.Object({ user: UserSchema });

/** What anyone may know about the instance before signing in. */
export const InstanceReply = Type.Object({
  hasAdmin: Type.Boolean({
    description:
      'Whether any account is an admin. Until one is, the first account registered from the machine Strobe runs on becomes the admin (or run `strobe admin create USERNAME`).',
  }),
  registration: Type.Union([Type.Literal('open'), Type.Literal('invite'), Type.Literal('closed')], {
    description: 'REGISTRATION: `open` (anyone may register), `invite` (only with an invite link from an admin) or `closed`.',
  }),
});

import { Type } from '@fastify/type-provider-typebox';
import { Nullable, PublicUserSchema } from '../../http/schemas.js';

export const MAX_INVITE_USES = 1000;
export const MIN_INVITE_SECONDS = 60;
export const MAX_INVITE_SECONDS = 30 * 24 * 3600;

export const CreateInviteBody = Type.Object(
  {
    uses: Type.Optional(
      Type.Integer({ minimum: 1, maximum: MAX_INVITE_USES, description: `\`uses\` is how many accounts the link may create: 1 to ${MAX_INVITE_USES} (1 by default).` }),
    ),
    expiresIn: Type.Optional(
      Type.Integer({
        minimum: MIN_INVITE_SECONDS,
        maximum: MAX_INVITE_SECONDS,
        description: `\`expiresIn\` is how long the link works, in seconds: ${MIN_INVITE_SECONDS} to ${MAX_INVITE_SECONDS} (30 days; 7 days by default).`,
      }),
    ),
  },
  { additionalProperties: false },
);

export const InviteSchema = Type.Object({
  id: Type.String(),
  url: Nullable(Type.String({ description: 'The link with its token: in the reply to POST only, as the server keeps only its hash.' })),
  maxUses: Nullable(Type.Integer({ description: 'Null: unlimited.' })),
  uses: Type.Integer(),
  expiresAt: Nullable(Type.String()),
  revokedAt: Nullable(Type.String()),
  createdBy: Nullable(PublicUserSchema),
  createdAt: Type.String(),
  active: Type.Boolean({ description: 'Usable now: not revoked, not expired, not used up.' }),
});

export const InviteReply = Type.Object({ invite: InviteSchema });

export const InviteParams = Type.Object({ id: Type.String({ pattern: '^[0-9]{1,18}$', description: 'Invite ids are numbers.' }) });

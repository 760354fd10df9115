// Profiles over HTTP: PATCH /api/me (display name, bio) and the avatar (PUT/DELETE /api/me/avatar).
import { Type } from '@fastify/type-provider-typebox';
import { errors } from '../../errors.js';
import type { AppInstance } from '../../http/types.js';
import { LIMITS } from '../../shared/api.js';
import { UserReply } from '../accounts/accounts.schemas.js';
import type { Viewer } from '../accounts/viewer.js';
import { receiveUpload } from '../photos/upload.js';
import type { ProfilesService } from './profiles.service.js';

const ProfileBody = Type.Object(
  {
    // Checked again once cleaned (profiles.service.ts); the schema bounds what is read at all.
    displayName: Type.Optional(Type.String({ maxLength: 500, description: `1 to ${LIMITS.displayNameMax} characters, one line.` })),
    bio: Type.Optional(Type.String({ maxLength: 3000, description: `Up to ${LIMITS.bioMax} characters; empty clears it.` })),
  },
  { additionalProperties: false },
);

const AvatarAccepted = Type.Object({
  status: Type.Literal('processing', {
    description: 'A job crops it to 256 and 64 px squares; `profile.updated` follows on `profile:<username>` and `user`, or `avatar.failed` on `user`.',
  }),
});

const tags = ['profiles'];

function signedIn(req: { viewer: Viewer | null }): Viewer {
  if (!req.viewer) throw errors.unauthenticated();
  return req.viewer;
}

export function profilesRoutes(app: AppInstance, profiles: ProfilesService): void {
  app.patch(
    '/api/me',
    { schema: { tags, summary: 'Edit your display name and bio.', body: ProfileBody, response: { 200: UserReply } } },
    async (req) => {
      const viewer = signedIn(req);
      const user = await profiles.update(viewer, req.body);
      return { user: { ...user, isAdmin: viewer.isAdmin, isModerator: viewer.isModerator } };
    },
  );

  app.delete('/api/me/avatar', { schema: { tags, summary: 'Remove your picture.', response: { 200: UserReply } } }, async (req) => {
    const viewer = signedIn(req);
    const user = await profiles.removeAvatar(viewer);
    return { user: { ...user, isAdmin: viewer.isAdmin, isModerator: viewer.isModerator } };
  });
}

/** Registered in the scope that parses multipart bodies (app.ts). */
export function avatarUploadRoute(scope: AppInstance, deps: { profiles: ProfilesService; tmpDir: string }): void {
  scope.put(
    '/api/me/avatar',
    {
      schema: {
        tags,
        summary: 'Set your picture (multipart/form-data: file): checked at once, cropped in the background.',
        consumes: ['multipart/form-data'],
        response: { 202: AvatarAccepted },
      },
    },
    async (req, reply) => {
      const viewer = signedIn(req);
      await deps.profiles.admitChange(viewer);
      const upload = await receiveUpload(req, deps.tmpDir);
      try {
        await deps.profiles.acceptAvatar(viewer, upload);
      } finally {
        await upload.discard();
      }
      return reply.code(202).send({ status: 'processing' as const });
    },
  );
}

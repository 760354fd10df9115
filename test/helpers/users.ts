import type { PublicUser } from '../../src/shared/api.js';

/** A public user as the server shows someone with no display name, bio or avatar yet. */
export function userRef(id: string, username: string): PublicUser {
  return { id, username, displayName: username, bio: '', avatar: null };
}

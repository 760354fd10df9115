import { errors } from '../../errors.js';
import type { PublicUser } from '../../shared/api.js';

/**
 * Who is making a request or holds a socket: a signed-in user, as the server sees them. Their
 * public profile rides along, so what they post (chat, presence) shows them as everyone else sees them.
 */
export interface Viewer extends PublicUser {
  isAdmin: boolean;
  /** The moderator role itself; admins may do whatever moderators may (see isStaff). */
  isModerator: boolean;
}

/** Admins and moderators: who may work the moderation queue. */
export function isStaff(viewer: Viewer | null | undefined): boolean {
  return !!viewer && (viewer.isAdmin || viewer.isModerator);
}

/** 401 signed out, 403 for anyone but an admin. */
export function requireAdmin(viewer: Viewer | null, message = 'Only admins can do that.'): Viewer {
  if (!viewer) throw errors.unauthenticated();
  if (!viewer.isAdmin) throw errors.forbidden(message);
  return viewer;
}

/** 401 signed out, 403 for anyone but an admin or a moderator. */
export function requireStaff(viewer: Viewer | null, message = 'Only moderators and admins can do that.'): Viewer {
  if (!viewer) throw errors.unauthenticated();
  if (!isStaff(viewer)) throw errors.forbidden(message);
  return viewer;
}

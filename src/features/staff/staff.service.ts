// Roles, for admins over HTTP: make someone a moderator, an admin or a member again. The CLI
// (`strobe admin grant|revoke`) does the same from the machine. Open sockets keep the rights of
// their handshake, so a change tells every instance (`user.changed`) and the user's sockets reconnect.
import { AppError, errors } from '../../errors.js';
import type { RealtimeBus } from '../../ports/bus.js';
import type { Db } from '../../ports/db.js';
import { enforceRate, type RateLimiter } from '../../ports/rate-limit.js';
import { SESSIONS_STREAM } from '../../realtime/socket-sessions.js';
import type { PublicUser } from '../../shared/api.js';
import type { Role, StaffMember } from '../../shared/community.js';
import type { Viewer } from '../accounts/viewer.js';
import { findRoleHolder, flagsOf, listStaff, lockRoles, recordRoleChange, roleOf, setRoleFlags } from './staff.repo.js';

export const STAFF_LIMITS = {
  roleChangesPerAdmin: { limit: 60, windowMs: 10 * 60_000 },
} as const;

export interface StaffDeps {
  db: Db;
  bus: RealtimeBus;
  limiter: RateLimiter;
  adminUsers: ReadonlySet<string>;
  log: { warn(obj: object, msg: string): void };
}

export interface RoleChange {
  user: PublicUser;
  role: Role;
  /** False when the user already held that role. */
  changed: boolean;
}

export class StaffService {
  constructor(private readonly deps: StaffDeps) {}

  list(): Promise<StaffMember[]> {
    return listStaff(this.deps.db, this.deps.adminUsers);
  }

  async setRole(admin: Viewer, username: string, role: Role): Promise<RoleChange> {
    const { db, adminUsers } = this.deps;
    await enforceRate(this.deps.limiter, `staff:role:${admin.id}`, STAFF_LIMITS.roleChangesPerAdmin);
    // An instance must not lose its last admin by a slip: another admin (or the CLI) can do it.
    if (username === admin.username && role !== 'admin') throw errors.badRequest('You cannot take away your own admin role; another admin can.');
    const done = await db.tx(async (q) => {
      await lockRoles(q);
      // Re-read under the lock: an admin demoted a moment ago cannot still change roles.
      const actor = await findRoleHolder(q, admin.username);
      if (!actor || roleOf(actor, adminUsers) !== 'admin') throw errors.forbidden('Only admins can change roles.');
      const target = await findRoleHolder(q, username);
      if (!target) throw errors.notFound('That user');
      if (adminUsers.has(username) && role !== 'admin') {
        throw new AppError('CONFLICT', 409, `${username} is an admin by ADMIN_USERS in the server's configuration; take them out of ADMIN_USERS to change their role.`);
      }
      const changed = await setRoleFlags(q, target.id, flagsOf(role));
      if (changed) await recordRoleChange(q, admin.id, target.id, role);
      return { user: target.user, changed };
    });
    if (done.changed) {
      await this.deps.bus.publish(SESSIONS_STREAM, 'user.changed', { userId: done.user.id }).catch((err: unknown) => {
        // The role changed; only open sockets keep their old rights until they reconnect.
        this.deps.log.warn({ err, userId: done.user.id }, 'could not tell the instances that a role changed');
      });
    }
    return { ...done, role };
  }
}

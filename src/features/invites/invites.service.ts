// Invite links, made by admins for REGISTRATION=invite. The token exists only in the link shown to
// the admin who made it; registration counts its uses (accounts.service.ts, claimInvite).
import { randomBytes } from 'node:crypto';
import { errors } from '../../errors.js';
import type { Db } from '../../ports/db.js';
import { enforceRate, type RateLimiter } from '../../ports/rate-limit.js';
import type { Invite } from '../../shared/community.js';
import type { Viewer } from '../accounts/viewer.js';
import { insertInvite, inviteTokenHash, listInvites, revokeInvite } from './invites.repo.js';

const HOUR = 3_600_000;

export const INVITE_LIMITS = {
  createPerAdmin: { limit: 60, windowMs: HOUR },
  revokePerAdmin: { limit: 300, windowMs: HOUR },
} as const;

export const INVITE_DEFAULTS = {
  uses: 1,
  /** A week: long enough to reach someone, short enough that a forgotten link dies. */
  expiresIn: 7 * 24 * 3600,
} as const;

export interface InvitesDeps {
  db: Db;
  limiter: RateLimiter;
}

export class InvitesService {
  constructor(private readonly deps: InvitesDeps) {}

  /** `origin` is where the link points: PUBLIC_URL, else the origin the admin uses. */
  async create(admin: Viewer, input: { uses?: number | undefined; expiresIn?: number | undefined }, origin: string): Promise<Invite> {
    await enforceRate(this.deps.limiter, `invites:create:${admin.id}`, INVITE_LIMITS.createPerAdmin);
    const token = randomBytes(32).toString('base64url');
    const url = `${origin}/register?invite=${token}`;
    return insertInvite(
      this.deps.db,
      {
        tokenHash: inviteTokenHash(token),
        maxUses: input.uses ?? INVITE_DEFAULTS.uses,
        expiresIn: input.expiresIn ?? INVITE_DEFAULTS.expiresIn,
        createdBy: admin.id,
      },
      url,
    );
  }

  list(beforeId: string | undefined, limit: number): Promise<Invite[]> {
    return listInvites(this.deps.db, beforeId, limit);
  }

  /** Idempotent: revoking a revoked invite changes nothing. */
  async revoke(admin: Viewer, id: string): Promise<void> {
    await enforceRate(this.deps.limiter, `invites:revoke:${admin.id}`, INVITE_LIMITS.revokePerAdmin);
    if (!(await revokeInvite(this.deps.db, id))) throw errors.notFound('The invite');
  }
}

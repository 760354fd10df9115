// Invite links (migration 011): the table keeps the SHA-256 of each token, never the token.
import { createHash } from 'node:crypto';
import type { Queryable } from '../../ports/db.js';
import type { Invite } from '../../shared/community.js';
import { publicUserAs, publicUserColumns } from '../profiles/public-user.js';

/** 32 random bytes as base64url: what the link carries. */
export const INVITE_TOKEN_SHAPE = /^[\w-]{43}$/;

export function inviteTokenHash(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

interface InviteRow {
  id: string;
  max_uses: number | null;
  uses: number;
  expires_at: Date | null;
  revoked_at: Date | null;
  created_at: Date;
  active: boolean;
  creator_id: string | null;
}

/** An invite row's columns, `i` being the invite and `u` its creator (left joined). */
const INVITE_COLUMNS = `i.id::text as id, i.max_uses, i.uses, i.expires_at, i.revoked_at, i.created_at,
  (i.revoked_at is null and (i.expires_at is null or i.expires_at > now()) and (i.max_uses is null or i.uses < i.max_uses)) as active,
  ${publicUserColumns('u', 'creator')}`;

function toInvite(r: InviteRow, url: string | null): Invite {
  return {
    id: r.id,
    url,
    maxUses: r.max_uses,
    uses: r.uses,
    expiresAt: r.expires_at?.toISOString() ?? null,
    revokedAt: r.revoked_at?.toISOString() ?? null,
    createdBy: r.creator_id === null ? null : publicUserAs(r, 'creator'),
    createdAt: r.created_at.toISOString(),
    active: r.active,
  };
}

export interface NewInvite {
  tokenHash: string;
  maxUses: number;
  /** Seconds from now. */
  expiresIn: number;
  createdBy: string;
}

export async function insertInvite(q: Queryable, invite: NewInvite, url: string): Promise<Invite> {
  const [row] = await q.query<InviteRow>(
    `with i as (
       insert into invites (token_hash, max_uses, expires_at, created_by)
       values ($1, $2, now() + make_interval(secs => $3), $4)
       returning *
     )
     select ${INVITE_COLUMNS} from i left join users u on u.id = i.created_by`,
    [invite.tokenHash, invite.maxUses, invite.expiresIn, invite.createdBy],
  );
  return toInvite(row!, url);
}

/** Newest first; `limit` rows before the invite `beforeId`. */
export async function listInvites(q: Queryable, beforeId: string | undefined, limit: number): Promise<Invite[]> {
  const rows = await q.query<InviteRow>(
    `select ${INVITE_COLUMNS} from invites i left join users u on u.id = i.created_by
     where ($1::bigint is null or i.id < $1) order by i.id desc limit $2`,
    [beforeId ?? null, limit],
  );
  return rows.map((r) => toInvite(r, null));
}

/** Revokes an invite (a second revoke keeps the first time); false when there is no such invite. */
export async function revokeInvite(q: Queryable, id: string): Promise<boolean> {
  const rows = await q.query('update invites set revoked_at = coalesce(revoked_at, now()) where id = $1 returning id', [id]);
  return rows.length > 0;
}

/**
 * Counts one use of the invite behind `token`, if it is usable: one conditional UPDATE, so two
 * registrations racing for its last use cannot both have it (the second re-checks `uses < max_uses`
 * on the row the first committed). Run it in the registration's transaction: if the account is not
 * created after all, the use is not counted. Returns the invite's id, or null.
 */
export async function claimInvite(q: Queryable, token: string): Promise<string | null> {
  if (!INVITE_TOKEN_SHAPE.test(token)) return null;
  const [row] = await q.query<{ id: string }>(
    `update invites set uses = uses + 1
     where token_hash = $1 and revoked_at is null and (expires_at is null or expires_at > now())
       and (max_uses is null or uses < max_uses)
     returning id::text as id`,
    [inviteTokenHash(token)],
  );
  return row?.id ?? null;
}

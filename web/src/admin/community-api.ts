// The admin page's invites and roles: thin calls to /api/admin/invites and /api/admin/staff.
import type { Page } from '../../../src/shared/api.js';
import type { Invite, Role, StaffMember } from '../../../src/shared/community.js';
import { api, withQuery } from '../lib/api.js';

export async function createInvite(input: { uses: number; expiresIn: number }): Promise<Invite> {
  return (await api<{ invite: Invite }>('POST', '/api/admin/invites', input)).invite;
}

export function listInvites(before?: string): Promise<Page<Invite>> {
  return api('GET', withQuery('/api/admin/invites', { limit: 50, before }));
}

export function revokeInvite(id: string): Promise<void> {
  return api('DELETE', `/api/admin/invites/${encodeURIComponent(id)}`);
}

export async function listStaff(): Promise<StaffMember[]> {
  return (await api<{ items: StaffMember[] }>('GET', '/api/admin/staff')).items;
}

export function setRole(username: string, role: Role): Promise<{ role: Role; changed: boolean }> {
  return api('PUT', `/api/admin/users/${encodeURIComponent(username)}/role`, { role });
}

/** What an invite's row says about it, by this browser's clock. */
export function inviteStatus(invite: Invite, now: number): 'active' | 'revoked' | 'used up' | 'expired' {
  if (invite.revokedAt) return 'revoked';
  if (invite.maxUses !== null && invite.uses >= invite.maxUses) return 'used up';
  if (invite.expiresAt && Date.parse(invite.expiresAt) <= now) return 'expired';
  return 'active';
}

// The settings page's HTTP calls: profile, password, sessions, account deletion and data export.
// The avatar upload is in avatar-upload.ts (XHR, for its progress events).
import type { AccountExport, Profile, PublicUser } from '../../../src/shared/api.js';
import { api } from '../lib/api.js';

export interface ProfileChanges {
  displayName?: string;
  bio?: string;
}

export async function updateProfile(changes: ProfileChanges): Promise<PublicUser> {
  return (await api<{ user: PublicUser }>('PATCH', '/api/me', changes)).user;
}

export async function removeAvatar(): Promise<PublicUser> {
  return (await api<{ user: PublicUser }>('DELETE', '/api/me/avatar')).user;
}

export async function fetchMe(): Promise<PublicUser> {
  return (await api<{ user: PublicUser }>('GET', '/api/me')).user;
}

export function changePassword(current: string, password: string): Promise<{ user: PublicUser }> {
  return api('POST', '/api/me/password', { current, password });
}

export function logoutEverywhere(): Promise<void> {
  return api('POST', '/api/auth/logout-all');
}

export function deleteAccount(password: string): Promise<{ status: 'deleting' }> {
  return api('DELETE', '/api/me', { password });
}

export function fetchOwnProfile(username: string): Promise<Profile> {
  return api('GET', `/api/users/${encodeURIComponent(username)}`);
}

export async function requestExport(): Promise<AccountExport> {
  return (await api<{ export: AccountExport }>('POST', '/api/me/export')).export;
}

/** Where an export stands; `unknown` when the server could not be asked (the next poll asks again). */
export async function exportStatus(id: string): Promise<AccountExport['status'] | 'gone' | 'unknown'> {
  try {
    const { items } = await api<{ items: AccountExport[] }>('GET', '/api/me/exports');
    return items.find((e) => e.id === id)?.status ?? 'gone';
  } catch {
    return 'unknown';
  }
}

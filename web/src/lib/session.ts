// Who is signed in. GET /api/me decides at start-up, so a refresh keeps you signed in;
// the server's cookie is the only source of truth.
import type { PublicUser } from '../../../src/shared/api.js';
import { api, ApiError, setUnauthorizedHandler } from './api.js';
import { createStore, useStore } from './store.js';

export type Session =
  | { status: 'loading' }
  | { status: 'error'; message: string }
  | { status: 'signed-out' }
  | { status: 'signed-in'; user: PublicUser };

export const session = createStore<Session>({ status: 'loading' });

export function useSession(): Session {
  return useStore(session);
}

export function currentUser(): PublicUser | null {
  const s = session.get();
  return s.status === 'signed-in' ? s.user : null;
}

export async function loadSession(): Promise<void> {
  try {
    const { user } = await api<{ user: PublicUser }>('GET', '/api/me');
    session.set({ status: 'signed-in', user });
  } catch (err) {
    if (err instanceof ApiError && err.status === 401) session.set({ status: 'signed-out' });
    else session.set({ status: 'error', message: err instanceof Error ? err.message : String(err) });
  }
}

export async function login(username: string, password: string): Promise<void> {
  const { user } = await api<{ user: PublicUser }>('POST', '/api/auth/login', { username, password });
  session.set({ status: 'signed-in', user });
}

/** `invite`: the token of an invite link (an invite-only instance requires one). */
export async function register(username: string, password: string, invite?: string): Promise<void> {
  const { user } = await api<{ user: PublicUser }>('POST', '/api/auth/register', invite ? { username, password, invite } : { username, password });
  session.set({ status: 'signed-in', user });
}

export async function logout(): Promise<void> {
  await api<void>('POST', '/api/auth/logout');
  session.set({ status: 'signed-out' });
}

// A 401 on any other request means the cookie expired or was revoked elsewhere.
setUnauthorizedHandler(() => {
  if (session.get().status === 'signed-in') session.set({ status: 'signed-out' });
});

/** The signed-in user's profile changed (settings, or `profile.updated` from another tab): show it everywhere. */
export function updateCurrentUser(user: PublicUser): void {
  const s = session.get();
  if (s.status === 'signed-in' && s.user.id === user.id) session.set({ status: 'signed-in', user: { ...user, isAdmin: s.user.isAdmin, isModerator: s.user.isModerator } });
}

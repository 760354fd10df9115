// The newest profile this tab has seen of each user. Pages fetch users inside photos, comments,
// messages and notifications, and those copies go stale when someone edits their profile; every
// `profile.updated` that reaches the tab (on the user's own stream, a profile page, or the profiles
// a page watches) lands here, and components show a user through useFreshUser.
import { useEffect } from 'preact/hooks';
import type { PublicUser } from '../../../src/shared/api.js';
import { isEvent } from './events.js';
import { live } from './live.js';
import { createStore, useStore } from './store.js';

const seen = createStore<ReadonlyMap<string, PublicUser>>(new Map());

export function seeProfile(user: PublicUser): void {
  seen.update((m) => new Map(m).set(user.id, user));
}

/** The user as last seen live, or as given. */
export function useFreshUser<T extends PublicUser>(user: T): T {
  const fresh = useStore(seen).get(user.id);
  return fresh ? { ...user, displayName: fresh.displayName, bio: fresh.bio, avatar: fresh.avatar } : user;
}

/**
 * Watches the profiles of these users while mounted (the people in a chat room), at most
 * WATCH_MAX of them: each is a subscription, and a socket's budget of them is small.
 */
export const WATCH_MAX = 20;

export function useWatchProfiles(usernames: readonly string[]): void {
  const key = [...new Set(usernames)].sort().slice(0, WATCH_MAX).join(' ');
  useEffect(() => {
    if (!key) return;
    const stops = key.split(' ').map((username) =>
      live.subscribe(`profile:${username}`, {
        onEvent(env) {
          if (isEvent(env, 'profile.updated')) seeProfile(env.data.user);
        },
        // Nothing to refetch: the next message or presence list carries the profile as it is now.
        onReset() {},
      }),
    );
    return () => {
      for (const stop of stops) stop();
    };
  }, [key]);
}

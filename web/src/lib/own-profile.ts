// Keeps the signed-in user's own profile current in every tab: a change made in settings (here or
// in another tab or device) arrives as `profile.updated` on the `user` stream, and the top bar,
// composer and cards show it at once. After a gap the stream cannot replay, /api/me is read again.
import type { PublicUser } from '../../../src/shared/api.js';
import { api } from './api.js';
import { isEvent } from './events.js';
import { live } from './live.js';
import { seeProfile } from './profiles.js';
import { currentUser, session, updateCurrentUser } from './session.js';

export function startOwnProfile(): void {
  let userId: string | undefined;
  let stop: (() => void) | undefined;
  const sync = () => {
    const id = currentUser()?.id;
    if (id === userId) return;
    stop?.();
    stop = undefined;
    userId = id;
    if (id) stop = watch();
  };
  session.subscribe(sync);
  sync();
}

function watch(): () => void {
  let first = true;
  return live.subscribe('user', {
    onEvent(env) {
      if (!isEvent(env, 'profile.updated')) return;
      updateCurrentUser(env.data.user);
      seeProfile(env.data.user);
    },
    onReset() {
      // The first reset is the subscription itself: the session was just read.
      if (first) {
        first = false;
        return;
      }
      api<{ user: PublicUser }>('GET', '/api/me').then(
        ({ user }) => {
          updateCurrentUser(user);
          seeProfile(user);
        },
        () => {}, // a 401 signs out through the api helper; anything else: the next reset retries
      );
    },
  });
}

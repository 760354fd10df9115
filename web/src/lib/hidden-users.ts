// The users whose content this tab must not show any more: someone the viewer just blocked, or who
// just blocked them. The server stops sending their events and leaves them out of every read, but
// what is already on screen stays until the tab drops it: every `block.changed` on the `user`
// stream (either direction, from any tab or device) lands here, and the components that show a
// photo, a comment, a message or a person render nothing for a hidden author.
import { isEvent } from './events.js';
import { live } from './live.js';
import { currentUser, session } from './session.js';
import { createStore, useStore } from './store.js';

const hidden = createStore<ReadonlySet<string>>(new Set());

export function hideUser(id: string): void {
  if (!hidden.get().has(id)) hidden.update((s) => new Set(s).add(id));
}

export function showUser(id: string): void {
  if (!hidden.get().has(id)) return;
  hidden.update((s) => {
    const next = new Set(s);
    next.delete(id);
    return next;
  });
}

/** Whether this user's content must leave the screen. */
export function useHidden(userId: string): boolean {
  return useStore(hidden).has(userId);
}

export function useHiddenUsers(): ReadonlySet<string> {
  return useStore(hidden);
}

/** Follows the signed-in user's `user` stream for `block.changed`; a new session starts empty. */
export function startHiddenUsers(): void {
  let userId: string | undefined;
  let stop: (() => void) | undefined;
  const sync = () => {
    const id = currentUser()?.id;
    if (id === userId) return;
    stop?.();
    stop = undefined;
    userId = id;
    hidden.set(new Set());
    if (id) {
      stop = live.subscribe('user', {
        onEvent(env) {
          if (!isEvent(env, 'block.changed')) return;
          if (env.data.blocked) hideUser(env.data.userId);
          else showUser(env.data.userId);
        },
        // Reads are filtered by the server: a page that refetches gets what it may show.
        onReset() {},
      });
    }
  };
  session.subscribe(sync);
  sync();
}

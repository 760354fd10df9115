// The signed-in user's unread private messages in total, for the "Messages" badge: one number,
// fetched once (GET /api/conversations carries it) and then kept by `dm.unread` on the `user`
// stream, which the server sends after every message and every read, from any tab or device.
import { useEffect } from 'preact/hooks';
import { isEvent } from '../lib/events.js';
import { live } from '../lib/live.js';
import { createStore, useStore } from '../lib/store.js';
import { fetchConversations } from './dms-api.js';

const total = createStore(0);
let holders = 0;
let stop: (() => void) | undefined;
/** Bumped by every event and fetch: a fetch's answer older than an event must not overwrite it. */
let version = 0;

export function setUnreadTotal(n: number): void {
  version++;
  total.set(n);
}

/** The total, live while a component using it is mounted. */
export function useUnreadTotal(): number {
  useEffect(() => hold(), []);
  return useStore(total);
}

function hold(): () => void {
  if (holders++ === 0) start();
  return () => {
    if (--holders > 0) return;
    stop?.();
    stop = undefined;
    total.set(0);
  };
}

function start(): void {
  const refetch = async () => {
    const asked = ++version;
    try {
      const page = await fetchConversations(null, 1);
      if (asked === version) total.set(page.unread);
    } catch {
      // The badge is a hint: the next event or reconnect puts it right.
    }
  };
  stop = live.subscribe('user', {
    onEvent(env) {
      if (isEvent(env, 'dm.unread')) setUnreadTotal(env.data.total);
    },
    onReset: () => void refetch(),
  });
  if (!live.connected) void refetch();
}

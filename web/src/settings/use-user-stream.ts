// The signed-in user's own `user` stream, for as long as a component is mounted. The handlers may
// change on every render; the subscription stays the same.
import { useEffect, useRef } from 'preact/hooks';
import type { Envelope } from '../../../src/shared/realtime.js';
import { live } from '../lib/live.js';

export interface UserStreamHandlers {
  onEvent(env: Envelope): void;
  /** Events may have been missed (first subscribe, or history gone): ask over HTTP. */
  onReset?(): void;
}

export function useUserStream(handlers: UserStreamHandlers): void {
  const current = useRef(handlers);
  current.current = handlers;
  useEffect(
    () =>
      live.subscribe('user', {
        onEvent: (env) => current.current.onEvent(env),
        onReset: () => current.current.onReset?.(),
      }),
    [],
  );
}

// Narrowing a realtime envelope to one event type, so its `data` is typed.
import type { Envelope, EventType } from '../../../src/shared/realtime.js';

export function isEvent<T extends EventType>(env: Envelope, type: T): env is Envelope<T> {
  return env.type === type;
}

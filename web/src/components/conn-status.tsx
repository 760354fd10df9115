import { live } from '../lib/live.js';
import { useStore } from '../lib/store.js';

export function ConnStatus() {
  const { state, everConnected } = useStore(live.connection);
  const label =
    state === 'connected' ? 'Connected' : state === 'disconnected' ? 'Offline' : everConnected ? 'Reconnecting…' : 'Connecting…';
  return (
    <span class={`conn conn--${state}`} data-testid="conn-status" data-state={state} role="status" title={`Live updates: ${label}`}>
      <span class="conn__dot" aria-hidden="true" />
      <span class="conn__label">{label}</span>
    </span>
  );
}

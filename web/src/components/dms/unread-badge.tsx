// The unread private messages beside "Messages" in the top bar, live from any tab or device.
import { useUnreadTotal } from '../../dms/unread.js';

export function DmUnreadBadge() {
  const total = useUnreadTotal();
  if (total === 0) return null;
  return (
    <span class="nav-badge" data-testid="dm-unread" aria-label={`${total} unread`}>
      {total > 99 ? '99+' : total}
    </span>
  );
}

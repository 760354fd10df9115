import type { PublicUser } from '../../../../src/shared/api.js';
import { Avatar } from '../avatar.js';

export function PresenceList({ users, selfId }: { users: PublicUser[]; selfId: string | undefined }) {
  return (
    <div class="people">
      <h2 class="panel-title">
        In this room <span class="count">{users.length}</span>
      </h2>
      <ul class="people__list" data-testid="presence-list">
        {users.map((u) => (
          <li key={u.id} class="people__item" data-testid="presence-user">
            <span class="people__avatar">
              <Avatar name={u.username} size="sm" />
              <span class="people__online" aria-hidden="true" />
            </span>
            <span class="people__name">{u.username}</span>
            {u.id === selfId && <span class="people__you">you</span>}
          </li>
        ))}
      </ul>
      {users.length === 0 && <p class="muted">Nobody here yet.</p>}
    </div>
  );
}

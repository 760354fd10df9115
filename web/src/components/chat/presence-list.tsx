import type { PublicUser } from '../../../../src/shared/api.js';
import { useFreshUser } from '../../lib/profiles.js';
import { useHiddenUsers } from '../../lib/hidden-users.js';
import { Avatar } from '../avatar.js';

export function PresenceList({ users: all, selfId }: { users: PublicUser[]; selfId: string | undefined }) {
  // Someone the viewer blocked, or who blocked them, since the list was read is not shown in it.
  const hidden = useHiddenUsers();
  const users = hidden.size === 0 ? all : all.filter((u) => !hidden.has(u.id));
  return (
    <div class="people">
      <h2 class="panel-title">
        In this room <span class="count">{users.length}</span>
      </h2>
      <ul class="people__list" data-testid="presence-list">
        {users.map((u) => (
          <Person key={u.id} user={u} self={u.id === selfId} />
        ))}
      </ul>
      {users.length === 0 && <p class="muted">Nobody here yet.</p>}
    </div>
  );
}

function Person({ user: given, self }: { user: PublicUser; self: boolean }) {
  const user = useFreshUser(given);
  return (
    <li class="people__item" data-testid="presence-user" title={`@${user.username}`}>
      <span class="people__avatar">
        <Avatar user={user} size="sm" />
        <span class="people__online" aria-hidden="true" />
      </span>
      <span class="people__name">{user.displayName}</span>
      {self && <span class="people__you">you</span>}
    </li>
  );
}

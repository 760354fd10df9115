// Staff, for admins: who is an admin or a moderator, a role for someone by username, and a change
// or removal of anyone's role but one's own and those ADMIN_USERS makes admins.
import { useEffect, useState } from 'preact/hooks';
import type { JSX } from 'preact';
import type { PublicUser } from '../../../../src/shared/api.js';
import type { Role, StaffMember } from '../../../../src/shared/community.js';
import { listStaff, setRole } from '../../admin/community-api.js';
import { errorMessage } from '../../lib/api.js';
import { useAction } from '../../lib/use-action.js';
import { Alert, InlineError } from '../alert.js';
import { Avatar } from '../avatar.js';
import { Link } from '../link.js';

export function StaffSection({ me }: { me: PublicUser }) {
  const [items, setItems] = useState<StaffMember[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const load = async () => {
    setError(null);
    try {
      setItems(await listStaff());
    } catch (err) {
      setError(errorMessage(err));
    }
  };
  useEffect(() => void load(), []);
  const change = async (username: string, role: Role) => {
    await setRole(username, role);
    await load();
  };
  return (
    <section class="admin__section" aria-labelledby="admin-staff" aria-busy={items === null} data-testid="staff">
      <h2 id="admin-staff" class="admin__title">
        Staff {items && <span class="count">{items.length}</span>}
      </h2>
      <p class="muted admin__lead">Moderators work the moderation queue; admins can also run the instance and manage invites and roles.</p>
      <GrantForm onGrant={change} />
      {error && <Alert onRetry={() => void load()}>{error}</Alert>}
      {items && <StaffTable items={items} me={me} onChange={change} />}
    </section>
  );
}

function GrantForm({ onGrant }: { onGrant: (username: string, role: Role) => Promise<void> }) {
  const [username, setUsername] = useState('');
  const [role, setRoleChoice] = useState<Role>('moderator');
  const [done, setDone] = useState<string | null>(null);
  const action = useAction();
  const submit = (e: JSX.TargetedSubmitEvent<HTMLFormElement>) => {
    e.preventDefault();
    const name = username.trim().replace(/^@/, '');
    if (!name) return;
    setDone(null);
    void action.run(async () => {
      await onGrant(name, role);
      setDone(`@${name} is now ${role === 'admin' ? 'an admin' : 'a moderator'}.`);
      setUsername('');
    });
  };
  return (
    <form class="admin__form" onSubmit={submit} aria-busy={action.busy}>
      <label class="field">
        <span class="field__label">Username</span>
        <input name="staff-username" value={username} onInput={(e) => setUsername(e.currentTarget.value)} autoCapitalize="none" autoCorrect="off" spellcheck={false} required />
      </label>
      <label class="field">
        <span class="field__label">Role</span>
        <select class="admin__select" value={role} onChange={(e) => setRoleChoice(e.currentTarget.value as Role)}>
          <option value="moderator">Moderator</option>
          <option value="admin">Admin</option>
        </select>
      </label>
      <button type="submit" class="btn" disabled={action.busy || username.trim() === ''}>
        Grant role
      </button>
      <InlineError message={action.error} />
      {done && !action.busy && !action.error && (
        <span class="muted" role="status">
          {done}
        </span>
      )}
    </form>
  );
}

function StaffTable({ items, me, onChange }: { items: StaffMember[]; me: PublicUser; onChange: (username: string, role: Role) => Promise<void> }) {
  return (
    <div class="admin__scroll">
      <table class="admin__table" data-testid="staff-list">
        <thead>
          <tr>
            <th scope="col">User</th>
            <th scope="col">Role</th>
            <th scope="col" aria-label="Actions" />
          </tr>
        </thead>
        <tbody>
          {items.map((m) => (
            <StaffRow key={m.user.id} member={m} self={m.user.id === me.id} onChange={onChange} />
          ))}
        </tbody>
      </table>
    </div>
  );
}

function StaffRow({ member: m, self, onChange }: { member: StaffMember; self: boolean; onChange: (username: string, role: Role) => Promise<void> }) {
  const action = useAction();
  const other: Role = m.role === 'admin' ? 'moderator' : 'admin';
  const run = (role: Role) => void action.run(() => onChange(m.user.username, role));
  const fixed = self ? 'you' : m.byConfig ? 'set by ADMIN_USERS' : null;
  return (
    <tr data-testid="staff-row" data-username={m.user.username}>
      <th scope="row">
        <Link href={`/u/${encodeURIComponent(m.user.username)}`} class="admin__user">
          <Avatar user={m.user} size="xs" /> {m.user.displayName} <span class="muted">@{m.user.username}</span>
        </Link>
      </th>
      <td data-testid="staff-role">{m.role}</td>
      <td class="admin__actions">
        {fixed ? (
          <span class="muted">{fixed}</span>
        ) : (
          <>
            <button type="button" class="btn btn--small btn--ghost" disabled={action.busy} onClick={() => run(other)}>
              Make {other}
            </button>{' '}
            <button type="button" class="btn btn--small btn--danger" disabled={action.busy} onClick={() => run('member')}>
              Remove role
            </button>
          </>
        )}
        <InlineError message={action.error} />
      </td>
    </tr>
  );
}

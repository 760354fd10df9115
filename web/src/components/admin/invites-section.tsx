// Invites, for admins: make a link (how many uses, how long), see it once with a Copy button (the
// server keeps only its hash), and the list of links with their uses and status, each revocable.
import { useEffect, useRef, useState } from 'preact/hooks';
import type { JSX } from 'preact';
import type { Invite } from '../../../../src/shared/community.js';
import { createInvite, inviteStatus, listInvites, revokeInvite } from '../../admin/community-api.js';
import { when } from '../../admin/format.js';
import { errorMessage } from '../../lib/api.js';
import { useAction } from '../../lib/use-action.js';
import { Alert, InlineError } from '../alert.js';

const HOUR = 3600;
const EXPIRIES = [
  { label: '1 hour', seconds: HOUR },
  { label: '1 day', seconds: 24 * HOUR },
  { label: '7 days', seconds: 7 * 24 * HOUR },
  { label: '30 days', seconds: 30 * 24 * HOUR },
] as const;

export function InvitesSection() {
  const [items, setItems] = useState<Invite[] | null>(null);
  const [next, setNext] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [created, setCreated] = useState<Invite | null>(null);

  // Only the newest load may apply: an older one answering late (the first load, racing a Refresh)
  // would put back the counts from before.
  const latest = useRef(0);
  const load = async (before?: string) => {
    const ticket = ++latest.current;
    setError(null);
    try {
      const page = await listInvites(before);
      if (ticket !== latest.current) return;
      setItems((prev) => (before && prev ? [...prev, ...page.items] : page.items));
      setNext(page.next);
    } catch (err) {
      if (ticket === latest.current) setError(errorMessage(err));
    }
  };
  useEffect(() => void load(), []);

  const onCreated = (invite: Invite) => {
    setCreated(invite);
    setItems((prev) => [{ ...invite, url: null }, ...(prev ?? [])]);
  };
  const onRevoked = (id: string) =>
    setItems((prev) => prev?.map((i) => (i.id === id ? { ...i, revokedAt: i.revokedAt ?? new Date().toISOString(), active: false } : i)) ?? null);

  return (
    <section class="admin__section" aria-labelledby="admin-invites" aria-busy={items === null} data-testid="invites">
      <h2 id="admin-invites" class="admin__title">
        Invites
        <button type="button" class="btn btn--small btn--ghost" onClick={() => void load()}>
          Refresh
        </button>
      </h2>
      <p class="muted admin__lead">Invite links let people register when this Strobe is invite-only (REGISTRATION=invite).</p>
      <InviteForm onCreated={onCreated} />
      {created?.url && <NewInviteLink url={created.url} onDismiss={() => setCreated(null)} />}
      {error && <Alert onRetry={() => void load()}>{error}</Alert>}
      {items && <InviteTable invites={items} onRevoked={onRevoked} />}
      {next && (
        <button type="button" class="btn btn--small btn--ghost" onClick={() => void load(next)}>
          Show older invites
        </button>
      )}
    </section>
  );
}

function InviteForm({ onCreated }: { onCreated: (invite: Invite) => void }) {
  const [uses, setUses] = useState('1');
  const [expiresIn, setExpiresIn] = useState<number>(EXPIRIES[2].seconds);
  const action = useAction();
  const submit = (e: JSX.TargetedSubmitEvent<HTMLFormElement>) => {
    e.preventDefault();
    void action.run(async () => onCreated(await createInvite({ uses: Number(uses), expiresIn })));
  };
  const usesBad = !/^\d{1,4}$/.test(uses) || Number(uses) < 1 || Number(uses) > 1000;
  return (
    <form class="admin__form" onSubmit={submit} aria-busy={action.busy}>
      <label class="field">
        <span class="field__label">Uses</span>
        <input type="number" min={1} max={1000} value={uses} onInput={(e) => setUses(e.currentTarget.value)} aria-invalid={usesBad} required />
      </label>
      <label class="field">
        <span class="field__label">Expires after</span>
        <select class="admin__select" value={expiresIn} onChange={(e) => setExpiresIn(Number(e.currentTarget.value))}>
          {EXPIRIES.map((x) => (
            <option key={x.seconds} value={x.seconds}>
              {x.label}
            </option>
          ))}
        </select>
      </label>
      <button type="submit" class="btn" disabled={action.busy || usesBad}>
        {action.busy ? 'Creating…' : 'Create invite link'}
      </button>
      <InlineError message={action.error} />
    </form>
  );
}

/** The new link, shown once: only its hash is kept, so it cannot be shown again. */
function NewInviteLink({ url, onDismiss }: { url: string; onDismiss: () => void }) {
  const [copied, setCopied] = useState<boolean | null>(null);
  const field = useRef<HTMLInputElement>(null);
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(url);
      setCopied(true);
    } catch {
      // No clipboard (plain http, or refused): select it for a manual copy.
      field.current?.select();
      setCopied(false);
    }
  };
  return (
    <div class="admin__new-invite" role="status" data-testid="new-invite">
      <p>
        <strong>Your new invite link.</strong> Copy it now: it is shown only this once.
      </p>
      <div class="admin__copy">
        <input ref={field} readOnly value={url} aria-label="Invite link" data-testid="new-invite-url" onFocus={(e) => e.currentTarget.select()} />
        <button type="button" class="btn btn--small" onClick={() => void copy()}>
          {copied ? 'Copied' : 'Copy'}
        </button>
        <button type="button" class="btn btn--small btn--ghost" onClick={onDismiss}>
          Done
        </button>
      </div>
      {copied === false && <span class="muted">The browser did not let us copy it: the link is selected, copy it by hand.</span>}
    </div>
  );
}

function InviteTable({ invites, onRevoked }: { invites: Invite[]; onRevoked: (id: string) => void }) {
  if (invites.length === 0) return <p class="muted">No invites yet.</p>;
  const now = Date.now();
  return (
    <div class="admin__scroll">
      <table class="admin__table" data-testid="invite-list">
        <thead>
          <tr>
            <th scope="col">Created</th>
            <th scope="col">By</th>
            <th scope="col" class="num">Uses</th>
            <th scope="col">Expires</th>
            <th scope="col">Status</th>
            <th scope="col" aria-label="Actions" />
          </tr>
        </thead>
        <tbody>
          {invites.map((i) => (
            <InviteRow key={i.id} invite={i} now={now} onRevoked={onRevoked} />
          ))}
        </tbody>
      </table>
    </div>
  );
}

function InviteRow({ invite: i, now, onRevoked }: { invite: Invite; now: number; onRevoked: (id: string) => void }) {
  const action = useAction();
  const status = inviteStatus(i, now);
  const revoke = () =>
    action.run(async () => {
      await revokeInvite(i.id);
      onRevoked(i.id);
    });
  return (
    <tr data-testid="invite-row" data-invite={i.id}>
      <th scope="row">{when(i.createdAt)}</th>
      <td>{i.createdBy ? `@${i.createdBy.username}` : '—'}</td>
      <td class="num" data-testid="invite-uses">
        {i.uses} / {i.maxUses ?? '∞'}
      </td>
      <td>{i.expiresAt ? when(i.expiresAt) : 'never'}</td>
      <td data-testid="invite-status" data-status={status}>
        {status}
      </td>
      <td class="admin__actions">
        <button type="button" class="btn btn--small btn--ghost" disabled={status === 'revoked' || action.busy} onClick={() => void revoke()}>
          Revoke
        </button>
        <InlineError message={action.error} />
      </td>
    </tr>
  );
}

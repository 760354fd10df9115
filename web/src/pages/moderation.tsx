// The moderation page (admins and moderators): the queue of open reports, live on the `moderation`
// stream, and the audit log.
import { useEffect, useMemo, useState } from 'preact/hooks';
import type { PublicUser } from '../../../src/shared/api.js';
import type { ModerationResult } from '../../../src/shared/community.js';
import { Alert } from '../components/alert.js';
import { AuditLog } from '../components/moderation/audit-log.js';
import { QueueItem } from '../components/moderation/queue-item.js';
import { PageHead } from '../components/walls/page-head.js';
import { useStore } from '../lib/store.js';
import { QueueModel } from '../moderation/queue-model.js';

type Tab = 'queue' | 'log';

export function isStaffUser(user: PublicUser | null): boolean {
  return !!user && (!!user.isAdmin || !!user.isModerator);
}

export function ModerationPage({ user }: { user: PublicUser }) {
  const [tab, setTab] = useState<Tab>('queue');
  if (!isStaffUser(user)) return <StaffOnly />;
  return (
    <main class="page moderation">
      <PageHead title="Moderation" lead="Reports from members, oldest first. New ones appear here as they come in." />
      <div class="mod-tabs" role="tablist" aria-label="Moderation">
        <TabButton tab="queue" current={tab} onSelect={setTab}>
          Queue
        </TabButton>
        <TabButton tab="log" current={tab} onSelect={setTab}>
          Audit log
        </TabButton>
      </div>
      <div role="tabpanel" id={`mod-panel-${tab}`} aria-labelledby={`mod-tab-${tab}`}>
        {tab === 'queue' ? <Queue /> : <AuditLog />}
      </div>
    </main>
  );
}

function TabButton({ tab, current, onSelect, children }: { tab: Tab; current: Tab; onSelect(tab: Tab): void; children: string }) {
  return (
    <button
      type="button"
      role="tab"
      id={`mod-tab-${tab}`}
      class="mod-tabs__tab"
      aria-selected={tab === current}
      aria-controls={`mod-panel-${tab}`}
      onClick={() => onSelect(tab)}
      data-testid={`moderation-tab-${tab}`}
    >
      {children}
    </button>
  );
}

function Queue() {
  const model = useMemo(() => new QueueModel(), []);
  useEffect(() => model.start(), [model]);
  const state = useStore(model.store);
  const [notice, setNotice] = useState<string | null>(null);
  if (state.forbidden) return <Alert>Only moderators and admins can see the queue: your role may have changed.</Alert>;

  const onDone = (result: ModerationResult & { suspended?: boolean }) => {
    model.resolved(result.resolved);
    setNotice(describe(result));
    // Other entries about the same author show their new history and suspension.
    void model.refetch();
  };

  return (
    <section class="mod-queue" aria-busy={!state.loaded} aria-live="polite">
      {state.error && <Alert onRetry={() => void model.refetch()}>{state.error}</Alert>}
      {notice && (
        <p class="mod-notice" role="status" data-testid="moderation-notice">
          {notice}
        </p>
      )}
      {state.loaded && state.items.length === 0 && !state.error && (
        <p class="muted mod-empty" data-testid="moderation-empty">
          Nothing to review. New reports will show up here.
        </p>
      )}
      <ol class="mod-list">
        {state.items.map((item) => (
          <QueueItem key={item.report.id} item={item} onDone={onDone} />
        ))}
      </ol>
      {state.next && (
        <button type="button" class="btn btn--small btn--ghost" onClick={() => void model.loadMore()} disabled={state.loadingMore}>
          {state.loadingMore ? 'Loading…' : 'More reports'}
        </button>
      )}
    </section>
  );
}

function describe(result: ModerationResult & { suspended?: boolean }): string {
  const n = result.resolved.length;
  const cleared = n === 0 ? '' : ` ${n} report${n === 1 ? '' : 's'} left the queue.`;
  if (!result.action) return `Nothing changed: someone got there first.${cleared}`;
  switch (result.action.action) {
    case 'dismiss':
      return `Dismissed.${cleared}`;
    case 'remove':
      return `Removed; its author was told why.${cleared}`;
    case 'suspend':
      return `Suspended @${result.action.targetUser?.username ?? 'them'}.${cleared}`;
    case 'unsuspend':
      return `Suspension lifted for @${result.action.targetUser?.username ?? 'them'}.`;
    default:
      return 'Done.';
  }
}

function StaffOnly() {
  return (
    <main class="empty-page" data-testid="staff-only">
      <h1>Moderators only</h1>
      <p>This page is where moderators and admins review reports. Only they can see it.</p>
    </main>
  );
}

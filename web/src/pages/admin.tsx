// The admin page: operations (the live instances, the job queues and what was dead-lettered), then
// who may join (invite links) and who holds a role (staff).
import { useEffect, useMemo } from 'preact/hooks';
import type { PublicUser } from '../../../src/shared/api.js';
import { AdminModel } from '../admin/admin-model.js';
import { Alert } from '../components/alert.js';
import { DeadJobs } from '../components/admin/dead-jobs.js';
import { InstanceTable } from '../components/admin/instance-table.js';
import { InvitesSection } from '../components/admin/invites-section.js';
import { QueueTable } from '../components/admin/queue-table.js';
import { StaffSection } from '../components/admin/staff-section.js';
import { WebhooksSection } from '../components/admin/webhooks-section.js';
import { PageHead } from '../components/walls/page-head.js';
import { useStore } from '../lib/store.js';

export function AdminPage({ user }: { user: PublicUser }) {
  if (!user.isAdmin) return <AdminsOnly />;
  return <Operations user={user} />;
}

function Operations({ user }: { user: PublicUser }) {
  const model = useMemo(() => new AdminModel(), []);
  useEffect(() => model.start(), [model]);
  const state = useStore(model.store);
  if (state.forbidden) return <AdminsOnly />;
  return (
    <main class="page admin">
      <PageHead title="Operations" lead="Live instances, job queues and dead-lettered jobs. Instances update with every heartbeat." />
      {state.error && <Alert onRetry={() => void model.refetch()}>{state.error}</Alert>}
      <section class="admin__section" aria-labelledby="admin-instances" aria-busy={!state.loaded}>
        <h2 id="admin-instances" class="admin__title">
          Instances <span class="count">{state.instances.length}</span>
        </h2>
        {state.loaded && <InstanceTable instances={state.instances} now={state.now} />}
      </section>
      <section class="admin__section" aria-labelledby="admin-queues" aria-busy={!state.loaded}>
        <h2 id="admin-queues" class="admin__title">
          Job queues
        </h2>
        {state.queuesError && <Alert>The queues cannot be read: {state.queuesError}</Alert>}
        {state.loaded && <QueueTable queues={state.queues} onRetry={(q) => model.retry(q)} />}
      </section>
      <section class="admin__section" aria-labelledby="admin-dead">
        <h2 id="admin-dead" class="admin__title">
          Dead-lettered jobs
        </h2>
        {state.loaded && <DeadJobs jobs={state.dead} />}
      </section>
      <InvitesSection />
      <StaffSection me={user} />
      <WebhooksSection />
    </main>
  );
}

function AdminsOnly() {
  return (
    <main class="empty-page" data-testid="admins-only">
      <h1>Admins only</h1>
      <p>This page shows how Strobe's servers are doing. Only administrators can see it.</p>
    </main>
  );
}

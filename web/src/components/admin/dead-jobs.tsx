import type { DeadJobInfo } from '../../../../src/shared/api.js';

/** The oldest dead-lettered jobs of each queue, with the error of their last attempt. */
export function DeadJobs({ jobs }: { jobs: DeadJobInfo[] }) {
  if (jobs.length === 0) return <p class="muted">No dead-lettered jobs.</p>;
  return (
    <ul class="admin__dead" data-testid="dead-jobs">
      {jobs.map((j) => (
        <li key={`${j.queue}:${j.id}`} data-testid="dead-job">
          <code>{j.queue}</code> job {j.id} <span class="muted">after {j.attempts} attempts:</span> <span class="admin__error">{j.error ?? 'no error recorded'}</span>
        </li>
      ))}
    </ul>
  );
}

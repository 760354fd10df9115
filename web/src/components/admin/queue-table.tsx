import { useState } from 'preact/hooks';
import type { QueueOverview } from '../../../../src/shared/api.js';
import { rate } from '../../admin/format.js';
import { useAction } from '../../lib/use-action.js';
import { InlineError } from '../alert.js';

/** The job queues: what waits, who consumes, how fast, and what died, with a retry per queue. */
export function QueueTable({ queues, onRetry }: { queues: QueueOverview[]; onRetry: (queue: string) => Promise<number> }) {
  return (
    <div class="admin__scroll">
      <table class="admin__table" data-testid="queues">
        <thead>
          <tr>
            <th scope="col">Queue</th>
            <th scope="col" class="num">Ready</th>
            <th scope="col" class="num">Consumers</th>
            <th scope="col" class="num">Jobs/s</th>
            <th scope="col" class="num">Failed/s</th>
            <th scope="col" class="num">Dead</th>
            <th scope="col" aria-label="Actions" />
          </tr>
        </thead>
        <tbody>
          {queues.map((q) => (
            <QueueRow key={q.name} queue={q} onRetry={onRetry} />
          ))}
        </tbody>
      </table>
    </div>
  );
}

function QueueRow({ queue: q, onRetry }: { queue: QueueOverview; onRetry: (queue: string) => Promise<number> }) {
  const action = useAction();
  const [moved, setMoved] = useState<number | null>(null);
  const retry = () =>
    action.run(async () => {
      setMoved(await onRetry(q.name));
    });
  return (
    <tr data-testid="queue-row" data-queue={q.name}>
      <th scope="row">
        <code>{q.name}</code>
      </th>
      <td class="num">{q.depth}</td>
      <td class="num" data-none={q.consumers === 0 ? '' : undefined}>
        {q.consumers}
      </td>
      <td class="num">{rate(q.ratePerS)}</td>
      <td class="num">{rate(q.failedPerS)}</td>
      <td class="num" data-testid="queue-dead" data-bad={q.dead > 0 ? '' : undefined}>
        {q.dead}
      </td>
      <td class="admin__actions">
        <button type="button" class="btn btn--small btn--ghost" disabled={q.dead === 0 || action.busy} onClick={() => void retry()}>
          Retry dead jobs
        </button>
        {moved !== null && !action.busy && <span class="muted"> {moved} moved back</span>}
        <InlineError message={action.error} />
      </td>
    </tr>
  );
}

// One webhook's delivery log, opened from its row: every attempt, newest first (event, attempt,
// status or error, duration, time), a page at a time with "Show older".
import { useEffect, useState } from 'preact/hooks';
import { when } from '../../admin/format.js';
import { delivered, listDeliveries, outcome, type WebhookDelivery } from '../../admin/webhooks-api.js';
import { errorMessage } from '../../lib/api.js';
import { Alert } from '../alert.js';

export function DeliveryLog({ webhookId }: { webhookId: string }) {
  const [items, setItems] = useState<WebhookDelivery[] | null>(null);
  const [next, setNext] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [loading, setLoading] = useState(false);
  const titleId = `webhook-log-title-${webhookId}`;

  const load = async (before?: string) => {
    setError(null);
    setLoading(true);
    try {
      const page = await listDeliveries(webhookId, before);
      setItems((prev) => (before && prev ? [...prev, ...page.items] : page.items));
      setNext(page.next);
    } catch (err) {
      setError(errorMessage(err));
    } finally {
      setLoading(false);
    }
  };
  useEffect(() => void load(), [webhookId]);

  return (
    <div class="webhooks__log" role="region" aria-labelledby={titleId} aria-busy={loading} data-testid="webhook-deliveries">
      <div class="webhooks__log-head">
        <h3 id={titleId} class="webhooks__log-title">
          Delivery log
        </h3>
        <span class="muted">newest first</span>
        <button type="button" class="btn btn--small btn--ghost" disabled={loading} onClick={() => void load()}>
          Refresh log
        </button>
      </div>
      {error && <Alert onRetry={() => void load()}>{error}</Alert>}
      {items && items.length === 0 && <p class="muted">No deliveries yet.</p>}
      {items && items.length > 0 && (
        <table class="admin__table webhooks__log-table">
          <thead>
            <tr>
              <th scope="col">Time</th>
              <th scope="col">Event</th>
              <th scope="col">Event id</th>
              <th scope="col" class="num">Attempt</th>
              <th scope="col">Status</th>
              <th scope="col" class="num">Duration</th>
            </tr>
          </thead>
          <tbody>
            {items.map((d) => (
              <tr key={d.id} data-testid="delivery-row" data-ok={delivered(d)}>
                <th scope="row">{when(d.createdAt)}</th>
                <td>
                  <code>{d.eventType}</code>
                </td>
                <td>
                  <code class="webhooks__id">{d.eventId}</code>
                </td>
                <td class="num">{d.attempt}</td>
                <td class="webhooks__wrap" data-testid="delivery-status" data-bad={delivered(d) ? undefined : ''}>
                  {outcome(d)}
                </td>
                <td class="num">{d.durationMs === null ? '—' : `${d.durationMs} ms`}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {next && (
        <button type="button" class="btn btn--small btn--ghost" disabled={loading} onClick={() => void load(next)}>
          Show older
        </button>
      )}
    </div>
  );
}

// The registered webhook endpoints: where each one posts, which events, whether it is enabled (or
// why not, or since when it fails), its last delivery, and its actions: the delivery log, disable or
// enable, delete (after a confirmation).
import { useEffect, useRef, useState } from 'preact/hooks';
import { when } from '../../admin/format.js';
import { deleteWebhook, delivered, outcome, setWebhookEnabled, webhookStatus, type WebhookEndpoint } from '../../admin/webhooks-api.js';
import { useAction } from '../../lib/use-action.js';
import { InlineError } from '../alert.js';
import { DeliveryLog } from './webhook-deliveries.js';

interface RowActions {
  onChanged: (webhook: WebhookEndpoint) => void;
  onDeleted: (id: string) => void;
}

const COLUMNS = 5;

export function WebhookTable({ webhooks, ...actions }: { webhooks: WebhookEndpoint[] } & RowActions) {
  if (webhooks.length === 0) return <p class="muted">No webhooks yet.</p>;
  return (
    <div class="admin__scroll">
      <table class="admin__table webhooks__table" data-testid="webhook-list">
        <thead>
          <tr>
            <th scope="col">Endpoint</th>
            <th scope="col">Events</th>
            <th scope="col">Status</th>
            <th scope="col">Last delivery</th>
            <th scope="col" aria-label="Actions" />
          </tr>
        </thead>
        <tbody>
          {webhooks.map((w) => (
            <WebhookRow key={w.id} webhook={w} {...actions} />
          ))}
        </tbody>
      </table>
    </div>
  );
}

function WebhookRow({ webhook: w, onChanged, onDeleted }: { webhook: WebhookEndpoint } & RowActions) {
  const [open, setOpen] = useState(false);
  const toggle = useAction();
  const status = webhookStatus(w);
  const logId = `webhook-log-${w.id}`;
  const flip = () => toggle.run(async () => onChanged(await setWebhookEnabled(w.id, !w.enabled)));
  return (
    <>
      <tr data-testid="webhook-row" data-webhook={w.id}>
        <th scope="row" class="webhooks__wrap webhooks__target" data-testid="webhook-url">
          {w.url}
        </th>
        <td>
          <span class="webhooks__tags" data-testid="webhook-events">
            {w.events.map((e) => (
              <code key={e}>{e}</code>
            ))}
          </span>
        </td>
        <td class="webhooks__wrap" data-testid="webhook-status" data-status={status}>
          {status === 'disabled' ? `Disabled${w.disabledReason ? `: ${w.disabledReason}` : ''}` : status === 'failing' ? `Failing since ${when(w.failingSince!)}` : 'Enabled'}
        </td>
        <td class="webhooks__wrap" data-testid="webhook-last">
          {w.lastDelivery ? (
            <>
              <span data-bad={delivered(w.lastDelivery) ? undefined : ''}>{outcome(w.lastDelivery)}</span>{' '}
              <span class="muted">{when(w.lastDelivery.at)}</span>
            </>
          ) : (
            <span class="muted">none yet</span>
          )}
        </td>
        <td class="admin__actions">
          <div class="webhooks__buttons">
            <button
              type="button"
              class="btn btn--small btn--ghost"
              aria-expanded={open}
              aria-controls={open ? logId : undefined}
              onClick={() => setOpen(!open)}
              data-testid="webhook-log-toggle"
            >
              Deliveries
            </button>
            <button type="button" class="btn btn--small btn--ghost" disabled={toggle.busy} onClick={() => void flip()}>
              {w.enabled ? (toggle.busy ? 'Disabling…' : 'Disable') : toggle.busy ? 'Enabling…' : 'Enable'}
            </button>
            <DeleteWebhook webhook={w} onDeleted={onDeleted} />
          </div>
          <InlineError message={toggle.error} />
        </td>
      </tr>
      {open && (
        <tr id={logId} class="webhooks__log-row">
          <td colSpan={COLUMNS}>
            <DeliveryLog webhookId={w.id} />
          </td>
        </tr>
      )}
    </>
  );
}

/** Delete…, then a confirmation that says what goes with it. */
function DeleteWebhook({ webhook: w, onDeleted }: { webhook: WebhookEndpoint; onDeleted: (id: string) => void }) {
  const [confirming, setConfirming] = useState(false);
  const action = useAction({ busyAfterSuccess: true });
  const confirmButton = useRef<HTMLButtonElement>(null);
  useEffect(() => {
    if (confirming) confirmButton.current?.focus();
  }, [confirming]);
  const go = () =>
    void action.run(async () => {
      await deleteWebhook(w.id);
      onDeleted(w.id);
    });

  if (!confirming) {
    return (
      <button type="button" class="btn btn--small btn--ghost btn--danger" onClick={() => setConfirming(true)}>
        Delete…
      </button>
    );
  }
  return (
    <div class="confirm webhooks__confirm" role="group" aria-label={`Confirm deleting the webhook to ${w.url}`}>
      <span>Delete this webhook and its delivery log? Events stop going to it at once.</span>
      <div class="confirm__buttons">
        <button ref={confirmButton} type="button" class="btn btn--small btn--danger-solid" onClick={go} disabled={action.busy} data-testid="webhook-delete-confirm">
          {action.busy ? 'Deleting…' : 'Delete webhook'}
        </button>
        <button type="button" class="btn btn--small btn--ghost" onClick={() => setConfirming(false)} disabled={action.busy}>
          Cancel
        </button>
      </div>
      <InlineError message={action.error} />
    </div>
  );
}

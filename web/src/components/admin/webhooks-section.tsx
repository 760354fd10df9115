// Webhooks, for admins: register an endpoint for some domain event types, see its signing secret once
// with a Copy button (the server keeps it sealed and never shows it again), and the list of
// endpoints with their status and last delivery, each one disabled or enabled, deleted, or its
// delivery log opened.
import { useEffect, useRef, useState } from 'preact/hooks';
import type { JSX } from 'preact';
import { createWebhook, listWebhooks, WEBHOOK_EVENT_TYPES, WEBHOOK_URL_MAX, type WebhookEndpoint, type WebhookEventType } from '../../admin/webhooks-api.js';
import { errorMessage } from '../../lib/api.js';
import { useAction } from '../../lib/use-action.js';
import { Alert, InlineError } from '../alert.js';
import { WebhookTable } from './webhook-table.js';

export function WebhooksSection() {
  const [items, setItems] = useState<WebhookEndpoint[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [secret, setSecret] = useState<string | null>(null);

  const load = async () => {
    setError(null);
    try {
      setItems(await listWebhooks());
    } catch (err) {
      setError(errorMessage(err));
    }
  };
  useEffect(() => void load(), []);

  const onCreated = (webhook: WebhookEndpoint, newSecret: string) => {
    setSecret(newSecret);
    // The list is oldest first, as the server sends it.
    setItems((prev) => [...(prev ?? []).filter((w) => w.id !== webhook.id), { ...webhook, lastDelivery: null }]);
  };
  const onChanged = (webhook: WebhookEndpoint) =>
    setItems((prev) => prev?.map((w) => (w.id === webhook.id ? { ...webhook, lastDelivery: webhook.lastDelivery ?? w.lastDelivery ?? null } : w)) ?? null);
  const onDeleted = (id: string) => setItems((prev) => prev?.filter((w) => w.id !== id) ?? null);

  return (
    <section class="admin__section" aria-labelledby="admin-webhooks" aria-busy={items === null} data-testid="webhooks">
      <h2 id="admin-webhooks" class="admin__title">
        Webhooks {items && <span class="count">{items.length}</span>}
        <button type="button" class="btn btn--small btn--ghost" onClick={() => void load()}>
          Refresh
        </button>
      </h2>
      <p class="muted admin__lead">
        Strobe POSTs the events you choose to your endpoint, signed and retried with back-off. An endpoint failing for a day without a success is disabled and
        the admins are told.
      </p>
      <WebhookForm onCreated={onCreated} />
      {secret && <NewSecret key={secret} secret={secret} onDismiss={() => setSecret(null)} />}
      {error && <Alert onRetry={() => void load()}>{error}</Alert>}
      {items && <WebhookTable webhooks={items} onChanged={onChanged} onDeleted={onDeleted} />}
    </section>
  );
}

function WebhookForm({ onCreated }: { onCreated: (webhook: WebhookEndpoint, secret: string) => void }) {
  const [url, setUrl] = useState('');
  const [events, setEvents] = useState<ReadonlySet<WebhookEventType>>(new Set());
  const [noEvents, setNoEvents] = useState(false);
  const action = useAction();

  const toggle = (type: WebhookEventType, on: boolean) => {
    setEvents((prev) => {
      const next = new Set(prev);
      if (on) next.add(type);
      else next.delete(type);
      return next;
    });
    if (on) setNoEvents(false);
  };
  const submit = (e: JSX.TargetedSubmitEvent<HTMLFormElement>) => {
    e.preventDefault();
    if (events.size === 0) {
      setNoEvents(true);
      return;
    }
    void action.run(async () => {
      const { webhook, secret } = await createWebhook({ url: url.trim(), events: WEBHOOK_EVENT_TYPES.filter((t) => events.has(t)) });
      onCreated(webhook, secret);
      setUrl('');
      setEvents(new Set());
    });
  };

  return (
    <form class="admin__form webhooks__form" onSubmit={submit} aria-busy={action.busy}>
      <label class="field webhooks__url">
        <span class="field__label">Endpoint URL</span>
        <input
          type="url"
          name="webhook-url"
          value={url}
          onInput={(e) => setUrl(e.currentTarget.value)}
          placeholder="https://example.com/strobe-events"
          maxLength={WEBHOOK_URL_MAX}
          autoCapitalize="none"
          autoCorrect="off"
          spellcheck={false}
          required
        />
      </label>
      <fieldset class="webhooks__events" aria-describedby={noEvents ? 'webhook-events-error' : undefined}>
        <legend class="field__label">Events</legend>
        {WEBHOOK_EVENT_TYPES.map((type) => (
          <label key={type} class="webhooks__event">
            <input type="checkbox" name="webhook-events" value={type} checked={events.has(type)} onChange={(e) => toggle(type, e.currentTarget.checked)} />
            <code>{type}</code>
          </label>
        ))}
        {noEvents && (
          <span id="webhook-events-error" class="field__error webhooks__events-error" role="alert">
            Choose at least one event to send to this endpoint.
          </span>
        )}
      </fieldset>
      <button type="submit" class="btn" disabled={action.busy}>
        {action.busy ? 'Adding…' : 'Add webhook'}
      </button>
      <InlineError message={action.error} />
    </form>
  );
}

/** The new endpoint's secret, shown once: the server keeps it sealed and never shows it again. */
function NewSecret({ secret, onDismiss }: { secret: string; onDismiss: () => void }) {
  const [copied, setCopied] = useState<boolean | null>(null);
  const field = useRef<HTMLInputElement>(null);
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(secret);
      setCopied(true);
    } catch {
      // No clipboard (plain http, or refused): select it for a manual copy.
      field.current?.select();
      setCopied(false);
    }
  };
  return (
    <div class="admin__new-invite" role="status" data-testid="webhook-secret">
      <p>
        <strong>The endpoint’s signing secret.</strong> Verify deliveries with this secret (Standard Webhooks). It will not be shown again.
      </p>
      <div class="admin__copy">
        <input ref={field} readOnly value={secret} aria-label="Signing secret" data-testid="webhook-secret-value" onFocus={(e) => e.currentTarget.select()} />
        <button type="button" class="btn btn--small" onClick={() => void copy()}>
          {copied ? 'Copied' : 'Copy'}
        </button>
        <button type="button" class="btn btn--small btn--ghost" onClick={onDismiss}>
          Done
        </button>
      </div>
      {copied === false && <span class="muted">The browser did not let us copy it: the secret is selected, copy it by hand.</span>}
    </div>
  );
}

// The admin page's webhooks: thin calls to /api/admin/webhooks, the shapes they answer with, and the
// wording of an endpoint's status and of a delivery's outcome.
import type { Page } from '../../../src/shared/api.js';
import { DOMAIN_EVENT_TYPES, type DomainEventType, type WebhookDelivery, type WebhookEndpoint } from '../../../src/shared/events.js';
import { api, withQuery } from '../lib/api.js';

export const WEBHOOK_EVENT_TYPES = DOMAIN_EVENT_TYPES;
export type WebhookEventType = DomainEventType;

/** The server's WEBHOOK_LIMITS.urlMax. */
export const WEBHOOK_URL_MAX = 2000;

export type { WebhookDelivery, WebhookEndpoint };

export function createWebhook(input: { url: string; events: WebhookEventType[] }): Promise<{ webhook: WebhookEndpoint; secret: string }> {
  return api('POST', '/api/admin/webhooks', input);
}

export async function listWebhooks(): Promise<WebhookEndpoint[]> {
  return (await api<{ items: WebhookEndpoint[] }>('GET', '/api/admin/webhooks')).items;
}

export async function setWebhookEnabled(id: string, enabled: boolean): Promise<WebhookEndpoint> {
  return (await api<{ webhook: WebhookEndpoint }>('PATCH', `/api/admin/webhooks/${encodeURIComponent(id)}`, { enabled })).webhook;
}

export function deleteWebhook(id: string): Promise<void> {
  return api('DELETE', `/api/admin/webhooks/${encodeURIComponent(id)}`);
}

/** The delivery log, newest first; `before` is the previous page's `next`. */
export function listDeliveries(id: string, before?: string): Promise<Page<WebhookDelivery>> {
  return api('GET', withQuery(`/api/admin/webhooks/${encodeURIComponent(id)}/deliveries`, { limit: 20, before }));
}

export type WebhookStatus = 'enabled' | 'disabled' | 'failing';

export function webhookStatus(w: WebhookEndpoint): WebhookStatus {
  if (!w.enabled) return 'disabled';
  return w.failingSince ? 'failing' : 'enabled';
}

/** A delivery's outcome in a few words: the status code, or why there was none. */
export function outcome(d: { status: number | null; error: string | null }): string {
  // A non-2xx answer's error already starts with "HTTP <status>".
  if (d.error) return d.error;
  return d.status === null ? 'no answer' : String(d.status);
}

/** Did the receiver take it (a 2xx)? */
export function delivered(d: { status: number | null; error: string | null }): boolean {
  return d.error === null && d.status !== null && d.status >= 200 && d.status < 300;
}

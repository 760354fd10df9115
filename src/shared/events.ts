// Shapes of domain events and webhooks shared by the server and the browser (the admin page).
// No server imports: the browser bundle includes this file.

/** The domain event types (features/events), in the order the docs list them. */
export const DOMAIN_EVENT_TYPES = ['photo.ready', 'photo.deleted', 'photo.liked', 'user.registered', 'user.followed', 'comment.created'] as const;
export type DomainEventType = (typeof DOMAIN_EVENT_TYPES)[number];

/** A webhook endpoint as GET /api/admin/webhooks shows it. */
export interface WebhookEndpoint {
  id: string;
  url: string;
  events: string[];
  enabled: boolean;
  disabledReason: string | null;
  /** Deliveries have failed since then without a success; a day of that disables the endpoint. */
  failingSince: string | null;
  createdAt: string;
  /** The last delivery attempt; absent in the replies to create and to enable/disable. */
  lastDelivery?: { status: number | null; error: string | null; at: string } | null;
}

/** One attempt of one delivery, as the log shows it. */
export interface WebhookDelivery {
  id: string;
  eventId: string;
  eventType: string;
  attempt: number;
  status: number | null;
  error: string | null;
  durationMs: number | null;
  createdAt: string;
}

export default /* sql */ `
-- Domain events (what happened, for other services) and webhooks (features/events, features/webhooks).

-- The events outbox: written in the transaction that makes the event true. In cluster mode a relay
-- publishes each to the strobe.events topic exchange with publisher confirms and sets relayed_at.
create table domain_events (
  id uuid primary key,
  type text not null,
  version int not null,
  occurred_at timestamptz not null default now(),
  data jsonb not null,
  relayed_at timestamptz
);
create index domain_events_pending_idx on domain_events (occurred_at) where relayed_at is null;
-- Wakes the outbox relays at once, as a committed job does (migration 006).
create trigger domain_events_notify after insert on domain_events for each statement execute function strobe_jobs_notify();

-- Webhook endpoints registered by admins, each with its own signing secret (Standard Webhooks).
create table webhook_endpoints (
  id bigint generated always as identity primary key,
  url text not null,
  events text[] not null,
  -- The signing secret (whsec_...), encrypted under SESSION_SECRET like ingest secrets.
  secret_enc text not null,
  enabled boolean not null default true,
  disabled_reason text,
  -- When deliveries started failing without a success since: a day of that disables the endpoint.
  failing_since timestamptz,
  created_by bigint references users (id) on delete set null,
  created_at timestamptz not null default now()
);
create index webhook_endpoints_enabled_idx on webhook_endpoints using gin (events) where enabled;

-- The delivery log: one row per attempt.
create table webhook_deliveries (
  id bigint generated always as identity primary key,
  endpoint_id bigint not null references webhook_endpoints (id) on delete cascade,
  event_id uuid not null,
  event_type text not null,
  attempt int not null,
  status int,
  error text,
  duration_ms int,
  created_at timestamptz not null default now()
);
create index webhook_deliveries_endpoint_idx on webhook_deliveries (endpoint_id, id desc);

-- Admins hear of an endpoint disabled after a day of failures.
alter table notifications drop constraint if exists notifications_type_check;
alter table notifications add constraint notifications_type_check
  check (type in ('follow', 'like', 'photo.ready', 'photo.failed', 'badge', 'comment', 'mention', 'export.ready', 'message', 'moderation', 'webhook.disabled'));
`;

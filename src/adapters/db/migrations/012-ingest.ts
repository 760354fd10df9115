export default /* sql */ `
-- Signed ingest (POST /api/ingest): named sources, each with its own secret and the account that
-- owns what it sends (features/ingest).
create table ingest_sources (
  id bigint generated always as identity primary key,
  name text not null unique,
  user_id bigint not null references users (id) on delete cascade,
  -- The secret, encrypted (AES-256-GCM) under a key derived from SESSION_SECRET: a request's HMAC
  -- needs the secret itself, so it cannot be stored as a one-way hash.
  secret_enc text not null,
  city_id int references cities (id),
  created_at timestamptz not null default now(),
  rotated_at timestamptz,
  removed_at timestamptz
);

-- Signatures seen in the last few minutes: one seen again is a replay.
create table ingest_seen (
  signature text primary key,
  seen_at timestamptz not null default now()
);
create index ingest_seen_at_idx on ingest_seen (seen_at);
`;

export default /* sql */ `
-- Jobs are written in the same transaction as the change that causes them (an outbox): a crash
-- between the commit and the queue loses nothing. Embedded mode runs them from this table; a
-- cluster relays them to RabbitMQ and marks them sent.
create table jobs (
  id bigint generated always as identity primary key,
  name text not null,
  payload jsonb not null,
  status text not null default 'pending' check (status in ('pending', 'running', 'done', 'dead')),
  attempts int not null default 0,
  run_at timestamptz not null default now(),
  locked_until timestamptz,
  last_error text,
  created_at timestamptz not null default now(),
  finished_at timestamptz
);
create index jobs_due_idx on jobs (run_at, id) where status = 'pending';
create index jobs_dead_idx on jobs (id) where status = 'dead';
`;

export default /* sql */ `
-- Wakes the outbox relays (LISTEN strobe_jobs) when jobs are committed: a notification is sent at
-- commit, once per transaction however many jobs it added, so relaying does not wait for a poll.
create function strobe_jobs_notify() returns trigger language plpgsql as $$
begin
  perform pg_notify('strobe_jobs', '');
  return null;
end $$;
create trigger jobs_notify after insert on jobs for each statement execute function strobe_jobs_notify();
`;

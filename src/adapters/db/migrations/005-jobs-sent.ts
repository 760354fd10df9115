export default /* sql */ `
-- Cluster mode: the outbox relay marks a job 'sent' once RabbitMQ confirmed it.
alter table jobs drop constraint jobs_status_check;
alter table jobs add constraint jobs_status_check check (status in ('pending', 'running', 'done', 'dead', 'sent'));
`;

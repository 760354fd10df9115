export default /* sql */ `
-- Whether a message's live event went out. A message is committed before it is published, so a
-- send whose publish failed (Redis failing over, the instance killed in between) leaves a row the
-- room never saw live; the sender's retry with the same clientId finds it unpublished and
-- publishes it then (src/realtime/published.ts). Rows from before this migration count as published.
alter table chat_messages add column published boolean not null default true;
alter table chat_messages alter column published set default false;
alter table dm_messages add column published boolean not null default true;
alter table dm_messages alter column published set default false;
alter table comments add column published boolean not null default true;
alter table comments alter column published set default false;
`;

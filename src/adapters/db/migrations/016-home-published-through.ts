export default /* sql */ `
-- How far a photo's home fan-out has published its live events: the highest follower id whose
-- home:<id> event went out (-1: none yet, not even the owner's). Timeline rows are written before
-- their events are published, so a fan-out killed in between left rows whose readers never got the
-- event live; a re-run publishes again to every reader past this mark (at least once), not only to
-- the rows it inserts itself. Photos from before this migration count as published through the end.
alter table photos add column home_published_through bigint not null default 9223372036854775807;
alter table photos alter column home_published_through set default -1;
`;

export default /* sql */ `
-- A photo's revision: a new number from one sequence every time anything a reader sees of it changes
-- (its likes and comments counts, status, caption, variants), set by the trigger below whatever the
-- write path. A cached home page (features/photos/home-pages.ts) is still right while the revisions
-- of its photos and its reader's timeline rows are the ones it was built from. The pipeline's own
-- bookkeeping (published_at, home_published_through) does not change what a reader sees.
create sequence photo_rev;
alter table photos add column rev bigint not null default 0;

create function strobe_photo_rev() returns trigger language plpgsql as $$
begin
  if (to_jsonb(new) - 'rev' - 'published_at' - 'home_published_through')
     is distinct from (to_jsonb(old) - 'rev' - 'published_at' - 'home_published_through') then
    new.rev := nextval('photo_rev');
  end if;
  return new;
end $$;
create trigger photos_rev before update on photos for each row execute function strobe_photo_rev();
`;

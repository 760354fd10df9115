export default /* sql */ `
-- Hashtags from captions. A photo is linked to its tags when it becomes ready (photo_tags holds
-- ready photos only), and photos_count counts those links (kept by the triggers below), so tag
-- lists never count.
create table tags (
  id bigint generated always as identity primary key,
  -- NFC, lower case, 1 to 50 letters, marks, digits or underscores (features/tags/tags.text.ts).
  name text not null unique,
  photos_count int not null default 0 check (photos_count >= 0)
);
-- Prefix search (name like 'sun%'): text_pattern_ops works whatever the database's collation.
create index tags_prefix_idx on tags (name text_pattern_ops);

create table photo_tags (
  photo_id bigint not null references photos (id) on delete cascade,
  tag_id bigint not null references tags (id) on delete cascade,
  primary key (photo_id, tag_id)
);
-- A tag's feed, newest first.
create index photo_tags_feed_idx on photo_tags (tag_id, photo_id desc);

-- The counts follow the links whatever adds or removes them: markReady, a delete, a cascade (an
-- account's photos), and a ready photo that leaves the walls (status 'deleting') loses its links.
create function strobe_photo_tags_count() returns trigger language plpgsql as $$
begin
  if tg_op = 'INSERT' then
    update tags set photos_count = photos_count + 1 where id = new.tag_id;
  else
    update tags set photos_count = greatest(photos_count - 1, 0) where id = old.tag_id;
  end if;
  return null;
end $$;
create trigger photo_tags_count after insert or delete on photo_tags for each row execute function strobe_photo_tags_count();

create function strobe_photo_untag() returns trigger language plpgsql as $$
begin
  delete from photo_tags where photo_id = new.id;
  return null;
end $$;
create trigger photos_untag after update of status on photos for each row
  when (old.status = 'ready' and new.status <> 'ready') execute function strobe_photo_untag();

-- Tags written in comments (migration 7), linked for later use (a comment's tags); they count no
-- photos, so a tag used only in comments is not offered by search.
create table comment_tags (
  comment_id bigint not null references comments (id) on delete cascade,
  tag_id bigint not null references tags (id) on delete cascade,
  primary key (comment_id, tag_id)
);
create index comment_tags_tag_idx on comment_tags (tag_id, comment_id desc);

-- Username prefix search, likewise.
create index users_username_prefix_idx on users (username text_pattern_ops);
`;

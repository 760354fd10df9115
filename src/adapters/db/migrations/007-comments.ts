export default /* sql */ `
-- Live comments on photos. A retry of a post (same user, same clientId) finds the first comment.
create table comments (
  id bigint generated always as identity primary key,
  photo_id bigint not null references photos (id) on delete cascade,
  user_id bigint not null references users (id) on delete cascade,
  client_id text not null,
  body text not null,
  created_at timestamptz not null default now(),
  unique (user_id, client_id)
);
create index comments_photo_idx on comments (photo_id, id);

-- The count a photo shows, kept by the trigger below in the transaction that adds or removes a
-- comment, whatever removes it (a delete, or a cascade from its author's account).
alter table photos add column comments_count int not null default 0 check (comments_count >= 0);

create function strobe_comments_count() returns trigger language plpgsql as $$
begin
  if tg_op = 'INSERT' then
    update photos set comments_count = comments_count + 1 where id = new.photo_id;
  else
    update photos set comments_count = greatest(comments_count - 1, 0) where id = old.photo_id;
  end if;
  return null;
end $$;
create trigger comments_count after insert or delete on comments for each row execute function strobe_comments_count();

alter table notifications drop constraint if exists notifications_type_check;
alter table notifications add constraint notifications_type_check
  check (type in ('follow', 'like', 'photo.ready', 'photo.failed', 'badge', 'comment', 'mention'));
-- The comment a 'comment' or 'mention' notification is about; it goes with the comment.
alter table notifications add column comment_id bigint references comments (id) on delete cascade;
create index notifications_comment_idx on notifications (comment_id) where comment_id is not null;
`;

export default /* sql */ `
-- Account lifecycle: password changes need nothing new; deletion and export do.
--
-- A deleted account stays as a tombstone row, so the chat messages it wrote keep their author id:
-- deleted_at is set when the deletion is asked for (sign-in and every session stop at once), and
-- when the account.delete job has removed everything the account owned, its username and password
-- hash are set to null (the API shows the author of its messages as "[deleted]").
alter table users add column deleted_at timestamptz;
alter table users alter column username drop not null;
alter table users alter column password_hash drop not null;

-- A deleted account's username cannot be registered again until \`until\` (30 days).
create table username_holds (
  username text primary key,
  until timestamptz not null
);

-- The photos of an account being deleted leave every feed at once ('deleting'), then the job
-- deletes them in batches.
alter table photos drop constraint if exists photos_status_check;
alter table photos add constraint photos_status_check check (status in ('processing', 'ready', 'failed', 'deleting'));

-- Data exports (POST /api/me/export): a zip in the uploads store (never served under /media),
-- served to its owner at /api/me/exports/:id until expires_at.
create table account_exports (
  id bigint generated always as identity primary key,
  user_id bigint not null references users (id) on delete cascade,
  status text not null default 'pending' check (status in ('pending', 'ready', 'failed')),
  blob_key text,
  size bigint,
  created_at timestamptz not null default now(),
  ready_at timestamptz,
  expires_at timestamptz not null
);
create index account_exports_user_idx on account_exports (user_id, id desc);
create index account_exports_expires_idx on account_exports (expires_at);

alter table notifications drop constraint if exists notifications_type_check;
alter table notifications add constraint notifications_type_check
  check (type in ('follow', 'like', 'photo.ready', 'photo.failed', 'badge', 'comment', 'mention', 'export.ready'));
alter table notifications add column export_id bigint references account_exports (id) on delete cascade;
-- Account deletion removes the notifications a user caused, too.
create index notifications_actor_idx on notifications (actor_id) where actor_id is not null;
create index likes_user_idx on likes (user_id, photo_id);
`;

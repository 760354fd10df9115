export default /* sql */ `
create table users (
  id bigint generated always as identity primary key,
  username text not null unique check (username ~ '^[a-z0-9_]{3,30}$'),
  password_hash text not null,
  is_admin boolean not null default false,
  created_at timestamptz not null default now()
);

-- Only a keyed hash of the session id is stored: a leaked table opens no session.
create table sessions (
  id_hash text primary key,
  user_id bigint not null references users (id) on delete cascade,
  created_at timestamptz not null default now(),
  expires_at timestamptz not null
);
create index sessions_user_idx on sessions (user_id);
create index sessions_expires_idx on sessions (expires_at);

create table chat_rooms (
  name text primary key check (name ~ '^[a-z0-9-]{1,40}$'),
  created_by bigint references users (id) on delete set null,
  created_at timestamptz not null default now()
);
insert into chat_rooms (name) values ('lobby');

-- (user_id, client_id) makes chat:send idempotent: a retried send finds the first row.
create table chat_messages (
  id bigint generated always as identity primary key,
  room text not null references chat_rooms (name) on delete cascade,
  user_id bigint not null references users (id) on delete cascade,
  client_id text not null,
  kind text not null check (kind in ('text', 'action')),
  body text not null,
  created_at timestamptz not null default now(),
  unique (user_id, client_id)
);
create index chat_messages_room_idx on chat_messages (room, id desc);
`;

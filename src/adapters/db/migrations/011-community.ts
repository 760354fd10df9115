export default /* sql */ `
-- Community (issue 13): who may join (invites, roles), blocks, reports and moderation, suspensions,
-- and private messages.

-- Invite links (REGISTRATION=invite). The token is only in the link: the table keeps its SHA-256.
create table invites (
  id bigint generated always as identity primary key,
  token_hash text not null unique,
  max_uses int check (max_uses is null or max_uses > 0),
  uses int not null default 0 check (uses >= 0),
  expires_at timestamptz,
  revoked_at timestamptz,
  created_by bigint references users (id) on delete set null,
  created_at timestamptz not null default now(),
  check (max_uses is null or uses <= max_uses)
);
alter table users add column invite_id bigint references invites (id) on delete set null;

-- Roles beside is_admin (admins can do whatever moderators can).
alter table users add column is_moderator boolean not null default false;

-- Suspension: nobody signs in as them, and what they posted is hidden from others until it ends.
-- 'infinity' is indefinitely; null or a past time is not suspended.
alter table users add column suspended_until timestamptz;
alter table users add column suspended_reason text;
create index users_suspended_idx on users (suspended_until) where suspended_until is not null;

-- Blocks work both ways; one row per direction somebody chose.
create table blocks (
  blocker_id bigint not null references users (id) on delete cascade,
  blocked_id bigint not null references users (id) on delete cascade,
  created_at timestamptz not null default now(),
  primary key (blocker_id, blocked_id),
  check (blocker_id <> blocked_id)
);
create index blocks_blocked_idx on blocks (blocked_id, blocker_id);

-- Reports, and the moderation queue they make.
create table reports (
  id bigint generated always as identity primary key,
  reporter_id bigint references users (id) on delete set null,
  target_type text not null check (target_type in ('photo', 'comment', 'message', 'user')),
  target_id bigint not null,
  -- The author of what was reported (the user, for a user), kept when the content goes.
  target_user_id bigint references users (id) on delete set null,
  reason text not null check (reason in ('spam', 'harassment', 'nudity', 'violence', 'illegal', 'other')),
  note text not null default '',
  status text not null default 'open' check (status in ('open', 'dismissed', 'removed', 'suspended')),
  created_at timestamptz not null default now(),
  resolved_at timestamptz,
  resolved_by bigint references users (id) on delete set null
);
-- One open report per reporter and target.
create unique index reports_open_once on reports (reporter_id, target_type, target_id) where status = 'open';
create index reports_queue_idx on reports (id) where status = 'open';
create index reports_target_idx on reports (target_type, target_id, id desc);
create index reports_target_user_idx on reports (target_user_id, id desc);

-- The audit log: every moderation action, and who took it.
create table moderation_actions (
  id bigint generated always as identity primary key,
  actor_id bigint references users (id) on delete set null,
  action text not null check (action in ('dismiss', 'remove', 'suspend', 'unsuspend', 'role')),
  target_type text check (target_type in ('photo', 'comment', 'message', 'user')),
  target_id bigint,
  target_user_id bigint references users (id) on delete set null,
  report_id bigint references reports (id) on delete set null,
  reason text not null default '',
  until timestamptz,
  created_at timestamptz not null default now()
);
create index moderation_actions_user_idx on moderation_actions (target_user_id, id desc);

-- Private conversations between two users (user_low < user_high, so a pair has one).
create table conversations (
  id bigint generated always as identity primary key,
  user_low bigint not null references users (id) on delete cascade,
  user_high bigint not null references users (id) on delete cascade,
  last_message_id bigint,
  created_at timestamptz not null default now(),
  unique (user_low, user_high),
  check (user_low < user_high)
);
create index conversations_high_idx on conversations (user_high, user_low);

create table dm_messages (
  id bigint generated always as identity primary key,
  conversation_id bigint not null references conversations (id) on delete cascade,
  -- Kept when the account is deleted, like chat messages: shown from "[deleted]".
  user_id bigint not null references users (id),
  client_id text not null,
  body text not null,
  kind text not null default 'text' check (kind in ('text', 'action')),
  created_at timestamptz not null default now(),
  unique (user_id, client_id)
);
create index dm_messages_conversation_idx on dm_messages (conversation_id, id desc);

-- Read markers: the newest message a member has read.
create table dm_reads (
  conversation_id bigint not null references conversations (id) on delete cascade,
  user_id bigint not null references users (id) on delete cascade,
  last_read_id bigint not null default 0,
  primary key (conversation_id, user_id)
);

-- Chat messages a moderator removed stay out of history.
alter table chat_messages add column removed_at timestamptz;

-- Notifications of private messages and of moderators' removals.
alter table notifications drop constraint if exists notifications_type_check;
alter table notifications add constraint notifications_type_check
  check (type in ('follow', 'like', 'photo.ready', 'photo.failed', 'badge', 'comment', 'mention', 'export.ready', 'message', 'moderation'));
alter table notifications add column conversation_id bigint references conversations (id) on delete cascade;
alter table notifications add column removed_type text check (removed_type in ('photo', 'comment', 'message'));
`;

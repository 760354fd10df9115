export default /* sql */ `
-- Cities come from an offline dataset (features/cities/cities.dataset.ts, migration 4). The slug is
-- derived once and never changes, so links and stream names stay valid.
create table cities (
  id int primary key,
  slug text not null unique,
  name text not null,
  country text not null,
  lat double precision not null,
  lon double precision not null,
  population int not null,
  -- Ready photos in the city: kept by the transitions that change it, so city lists never count.
  photos_count int not null default 0
);
create index cities_prefix_idx on cities (lower(name) text_pattern_ops, population desc);
create index cities_busy_idx on cities (photos_count desc) where photos_count > 0;

create table photos (
  id bigint generated always as identity primary key,
  owner_id bigint not null references users (id) on delete cascade,
  caption text not null default '',
  city_id int references cities (id),
  status text not null default 'processing' check (status in ('processing', 'ready', 'failed')),
  -- The original, in the uploads store, until processing is over. It is never served.
  upload_key text,
  width int,
  height int,
  thumb_key text,
  display_key text,
  placeholder text,
  failure text,
  likes_count int not null default 0,
  created_at timestamptz not null default now(),
  ready_at timestamptz,
  -- Set by fan-out when it published the photo, so a re-run publishes nothing twice.
  published_at timestamptz
);
create index photos_ready_idx on photos (id desc) where status = 'ready';
create index photos_city_idx on photos (city_id, id desc) where status = 'ready';
create index photos_owner_idx on photos (owner_id, id desc);
-- Blob purging asks whether any photo still refers to a content-addressed key.
create index photos_display_key_idx on photos (display_key);
create index photos_thumb_key_idx on photos (thumb_key);
create index photos_upload_key_idx on photos (upload_key) where upload_key is not null;

create table follows (
  follower_id bigint not null references users (id) on delete cascade,
  followee_id bigint not null references users (id) on delete cascade,
  created_at timestamptz not null default now(),
  primary key (follower_id, followee_id),
  check (follower_id <> followee_id)
);
create index follows_followee_idx on follows (followee_id, follower_id);

-- Home feeds are fanned out on write: one row per (reader, photo).
create table home_timeline (
  user_id bigint not null references users (id) on delete cascade,
  photo_id bigint not null references photos (id) on delete cascade,
  primary key (user_id, photo_id)
);
create index home_timeline_photo_idx on home_timeline (photo_id);

create table likes (
  photo_id bigint not null references photos (id) on delete cascade,
  user_id bigint not null references users (id) on delete cascade,
  created_at timestamptz not null default now(),
  primary key (photo_id, user_id)
);

-- dedupe_key makes every notification idempotent: a redelivered job finds the first row.
create table notifications (
  id bigint generated always as identity primary key,
  user_id bigint not null references users (id) on delete cascade,
  type text not null check (type in ('follow', 'like', 'photo.ready', 'photo.failed', 'badge')),
  actor_id bigint references users (id) on delete cascade,
  photo_id bigint references photos (id) on delete cascade,
  badge int,
  reason text,
  dedupe_key text not null,
  read_at timestamptz,
  created_at timestamptz not null default now(),
  unique (user_id, dedupe_key)
);
create index notifications_user_idx on notifications (user_id, id desc);
create index notifications_unread_idx on notifications (user_id) where read_at is null;

create table user_badges (
  user_id bigint not null references users (id) on delete cascade,
  badge int not null,
  awarded_at timestamptz not null default now(),
  primary key (user_id, badge)
);
`;

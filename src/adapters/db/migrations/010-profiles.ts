export default /* sql */ `
-- Profiles: a display name (null until chosen: the API shows the username), a bio, and an avatar
-- as two square WebP blobs in the media store (features/profiles).
alter table users add column display_name text;
alter table users add column bio text not null default '';
alter table users add column avatar_small text;
alter table users add column avatar_large text;
-- The newest avatar upload waiting for its job, in the uploads store: a job that finds another key
-- here was overtaken by a newer upload (or a removal) and leaves the avatar alone.
alter table users add column avatar_upload text;

-- Search by display name prefix, case-insensitively (GET /api/search).
create index users_display_name_prefix_idx on users (lower(display_name) text_pattern_ops)
  where display_name is not null and deleted_at is null;
-- Blobs are content-addressed and purged when nothing refers to them: these answer "does an avatar?".
create index users_avatar_small_idx on users (avatar_small) where avatar_small is not null;
create index users_avatar_large_idx on users (avatar_large) where avatar_large is not null;
create index users_avatar_upload_idx on users (avatar_upload) where avatar_upload is not null;
`;

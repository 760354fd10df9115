// A user's page: who they are, live counts, badges, follow, and their photos (the owner also
// sees their own processing and failed ones).
import { useState } from 'preact/hooks';
import { LIMITS, type Profile, type PublicUser } from '../../../src/shared/api.js';
import { Alert } from '../components/alert.js';
import { Link } from '../components/link.js';
import { PhotoGrid } from '../components/photos/photo-grid.js';
import { ProfileHeader } from '../components/walls/profile-header.js';
import { ApiError, errorMessage } from '../lib/api.js';
import { isEvent } from '../lib/events.js';
import { seeProfile } from '../lib/profiles.js';
import { fetchProfile, profileFeed } from '../photos/photos-api.js';
import { useFeed } from '../photos/use-feed.js';

export function ProfilePage({ username, user }: { username: string; user: PublicUser | null }) {
  const [profile, setProfile] = useState<Profile | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [missing, setMissing] = useState(false);

  const feed = useFeed(`profile:${username}`, () => profileFeed(username), (p) => p.owner.username === username, {
    onReset() {
      fetchProfile(username).then(
        (p) => {
          setProfile(p);
          setError(null);
        },
        (err: unknown) => (err instanceof ApiError && err.status === 404 ? setMissing(true) : setError(errorMessage(err))),
      );
    },
    onEvent(env) {
      if (isEvent(env, 'profile.updated')) return seeProfile(env.data.user);
      if (!isEvent(env, 'profile.counts') || env.data.username !== username) return;
      const { counts } = env.data;
      // Badges are upload milestones: a live photo count that reaches one has earned it.
      setProfile((p) => p && { ...p, counts, badges: mergeBadges(p.badges, counts.photos) });
    },
  });

  if (missing || feed.state.missing) {
    return (
      <main class="empty-page">
        <h1>No such user</h1>
        <p>
          Nobody is called “{username}” here. <Link href="/">Back to the latest photos</Link>
        </p>
      </main>
    );
  }
  const self = user?.username === username;
  return (
    <main class="page">
      {error && <Alert onRetry={feed.reload}>{error}</Alert>}
      {profile ? <ProfileHeader profile={profile} viewer={user} onChange={setProfile} /> : <div class="profile profile--loading" aria-busy="true" />}
      <PhotoGrid
        feed={feed}
        user={user}
        label={`Photos by ${username}`}
        empty={<p>{self ? 'You have not shared a photo yet. Use Upload at the top.' : `${username} has not shared a photo yet.`}</p>}
      />
    </main>
  );
}

function mergeBadges(badges: number[], photos: number): number[] {
  return [...new Set([...badges, ...LIMITS.badges.filter((b) => photos >= b)])].sort((a, b) => a - b);
}

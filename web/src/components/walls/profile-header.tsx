import type { Profile, PublicUser } from '../../../../src/shared/api.js';
import { useLocation } from '../../lib/router.js';
import { badgeLabel, plural } from '../../photos/format.js';
import { Avatar } from '../avatar.js';
import { MedalIcon } from '../icons.js';
import { Link } from '../link.js';
import { RichText } from '../rich-text.js';
import { FollowButton } from './follow-button.js';
import { ProfileActions } from './profile-actions.js';
import { useFreshUser } from '../../lib/profiles.js';

interface Props {
  profile: Profile;
  viewer: PublicUser | null;
  onChange(profile: Profile): void;
}

export function ProfileHeader({ profile, viewer, onChange }: Props) {
  const { path } = useLocation();
  const { counts } = profile;
  const user = useFreshUser(profile.user);
  const self = viewer?.id === user.id;
  return (
    <header class="profile" data-testid="profile-header">
      <Avatar user={user} size="lg" />
      <div class="profile__main">
        <div class="profile__row">
          <h1 class="profile__name">
            <span data-testid="profile-display-name">{user.displayName}</span>
            <span class="profile__username" data-testid="profile-username">
              @{user.username}
            </span>
          </h1>
          {self ? (
            <span class="muted">That's you</span>
          ) : viewer ? (
            <>
              <FollowButton
                username={user.username}
                following={profile.following}
                onChange={(r) => onChange({ ...profile, following: r.following, counts: { ...counts, followers: r.followers } })}
              />
              <ProfileActions profile={profile} viewer={viewer} />
            </>
          ) : (
            <Link href={`/login?next=${encodeURIComponent(path)}`} class="btn btn--small">
              Log in to follow
            </Link>
          )}
        </div>
        {user.bio && (
          <p class="profile__bio" data-testid="profile-bio">
            <RichText text={user.bio} />
          </p>
        )}
        <ul class="profile__counts">
          <li data-testid="count-photos">
            <strong>{counts.photos.toLocaleString()}</strong> {counts.photos === 1 ? 'photo' : 'photos'}
          </li>
          <li data-testid="count-followers">
            <strong>{counts.followers.toLocaleString()}</strong> {counts.followers === 1 ? 'follower' : 'followers'}
          </li>
          <li data-testid="count-following">
            <strong>{counts.following.toLocaleString()}</strong> following
          </li>
        </ul>
        {profile.badges.length > 0 && (
          <ul class="badges" aria-label="Badges">
            {profile.badges.map((b) => (
              <li key={b} class="badge" title={`Uploaded ${plural(b, 'photo')}`} data-testid="badge">
                <MedalIcon size={14} /> {badgeLabel(b)}
              </li>
            ))}
          </ul>
        )}
      </div>
    </header>
  );
}

// Follow/unfollow. The reply carries the follower count, which the header shows at once;
// profile.counts events keep it right for everyone else watching.
import { useState } from 'preact/hooks';
import type { FollowResult } from '../../../../src/shared/api.js';
import { errorMessage } from '../../lib/api.js';
import { setFollowing } from '../../photos/photos-api.js';

interface Props {
  username: string;
  following: boolean;
  onChange(result: FollowResult): void;
}

export function FollowButton({ username, following, onChange }: Props) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const toggle = async () => {
    setBusy(true);
    setError(null);
    try {
      onChange(await setFollowing(username, !following));
    } catch (err) {
      setError(errorMessage(err));
    } finally {
      setBusy(false);
    }
  };
  return (
    <div class="follow">
      <button
        type="button"
        class={`btn btn--small${following ? ' btn--ghost' : ''}`}
        aria-pressed={following}
        onClick={() => void toggle()}
        disabled={busy}
        data-testid="follow-button"
      >
        {following ? 'Following' : 'Follow'}
      </button>
      {error && (
        <span class="like__error" role="alert">
          {error}
        </span>
      )}
    </div>
  );
}

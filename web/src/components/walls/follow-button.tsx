// Follow/unfollow. The reply carries the follower count, which the header shows at once;
// profile.counts events keep it right for everyone else watching.
import type { FollowResult } from '../../../../src/shared/api.js';
import { useAction } from '../../lib/use-action.js';
import { setFollowing } from '../../photos/photos-api.js';
import { InlineError } from '../alert.js';

interface Props {
  username: string;
  following: boolean;
  onChange(result: FollowResult): void;
}

export function FollowButton({ username, following, onChange }: Props) {
  const { busy, error, run } = useAction();
  const toggle = () => run(async () => onChange(await setFollowing(username, !following)));
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
      <InlineError message={error} />
    </div>
  );
}

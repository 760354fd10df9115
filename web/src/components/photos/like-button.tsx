// Like/unlike: the count moves at once, then takes the server's answer, which is the truth
// (another viewer may have liked in between). A refusal puts the count back.
import { useRef } from 'preact/hooks';
import type { Photo, PublicUser } from '../../../../src/shared/api.js';
import { useLocation } from '../../lib/router.js';
import { useAction } from '../../lib/use-action.js';
import { setLiked } from '../../photos/photos-api.js';
import { InlineError } from '../alert.js';
import { Link } from '../link.js';

interface Props {
  photo: Photo;
  user: PublicUser | null;
  onChange(photo: Photo): void;
}

export function LikeButton({ photo, user, onChange }: Props) {
  const { path, search } = useLocation();
  const { error, run } = useAction();
  // The photo may change (live counts) while a request is out; reconcile with the newest copy.
  const latest = useRef(photo);
  latest.current = photo;

  const count = (
    <span class="like__count" data-testid="like-count">
      {photo.likes}
    </span>
  );
  if (!user) {
    return (
      <div class="like">
        <span class="like__static" aria-label={`${photo.likes} likes`}>
          ♥ {count}
        </span>
        <Link href={`/login?next=${encodeURIComponent(path + search)}`} class="muted">
          Log in to like
        </Link>
      </div>
    );
  }

  const toggle = () =>
    run(async () => {
      const before = latest.current;
      const want = !before.liked;
      onChange({ ...before, liked: want, likes: Math.max(0, before.likes + (want ? 1 : -1)) });
      try {
        const res = await setLiked(before.id, want);
        onChange({ ...latest.current, likes: res.likes, liked: res.liked });
      } catch (err) {
        onChange({ ...latest.current, liked: before.liked, likes: before.likes });
        throw err; // for the message under the button
      }
    });

  return (
    <div class="like">
      <button
        type="button"
        class={`like__btn${photo.liked ? ' like__btn--on' : ''}`}
        aria-pressed={photo.liked}
        aria-label={photo.liked ? 'Unlike' : 'Like'}
        onClick={() => void toggle()}
        data-testid="like-button"
      >
        <span aria-hidden="true">{photo.liked ? '♥' : '♡'}</span>
        {count}
      </button>
      <InlineError message={error} />
    </div>
  );
}

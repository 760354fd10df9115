// Like/unlike: the count moves at once, then takes the server's answer, which is the truth
// (another viewer may have liked in between). A refusal puts the count back.
import { useRef, useState } from 'preact/hooks';
import type { Photo, PublicUser } from '../../../../src/shared/api.js';
import { errorMessage } from '../../lib/api.js';
import { useLocation } from '../../lib/router.js';
import { setLiked } from '../../photos/photos-api.js';
import { Link } from '../link.js';

interface Props {
  photo: Photo;
  user: PublicUser | null;
  onChange(photo: Photo): void;
}

export function LikeButton({ photo, user, onChange }: Props) {
  const { path, search } = useLocation();
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
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

  const toggle = async () => {
    if (busy) return;
    const before = latest.current;
    const want = !before.liked;
    setBusy(true);
    setError(null);
    onChange({ ...before, liked: want, likes: Math.max(0, before.likes + (want ? 1 : -1)) });
    try {
      const res = await setLiked(before.id, want);
      onChange({ ...latest.current, likes: res.likes, liked: res.liked });
    } catch (err) {
      onChange({ ...latest.current, liked: before.liked, likes: before.likes });
      setError(errorMessage(err));
    } finally {
      setBusy(false);
    }
  };

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
      {error && (
        <span class="like__error" role="alert">
          {error}
        </span>
      )}
    </div>
  );
}

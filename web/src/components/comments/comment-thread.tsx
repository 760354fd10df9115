// A photo's comments under it, oldest first, live, with the composer at the bottom for signed-in
// viewers. The count is the photo's (kept live by the photo's own subscription).
import { useEffect, useRef } from 'preact/hooks';
import type { Photo, PublicUser } from '../../../../src/shared/api.js';
import { useComments } from '../../comments/use-comments.js';
import { useLocation } from '../../lib/router.js';
import { Alert } from '../alert.js';
import { Link } from '../link.js';
import { CommentComposer } from './comment-composer.js';
import { CommentItem, PendingCommentItem } from './comment-item.js';
// Here rather than in styles.css (the stylesheet index), which this feature does not own yet.

interface Props {
  photo: Photo;
  user: PublicUser | null;
}

export function CommentThread({ photo, user }: Props) {
  const { state, model } = useComments(photo.id);
  const { path, search } = useLocation();
  const scroller = useRef<HTMLDivElement>(null);
  const mayModerate = !!user && (user.id === photo.owner.id || !!user.isAdmin);

  // The viewer's own new comment scrolls into view, at the bottom next to the composer.
  const pendingCount = state.pending.length;
  const lastPending = useRef(pendingCount);
  useEffect(() => {
    const el = scroller.current;
    if (el && pendingCount > lastPending.current) el.scrollTop = el.scrollHeight;
    lastPending.current = pendingCount;
  }, [pendingCount]);

  const empty = state.loaded && !state.error && state.items.length === 0 && state.pending.length === 0;
  return (
    <section class="comments" aria-label="Comments" data-testid="comments">
      <h2 class="comments__title">
        Comments{' '}
        <span class="count" data-testid="comment-count">
          {photo.comments}
        </span>
      </h2>
      {state.error && <Alert onRetry={() => void model.refetch()}>{state.error}</Alert>}
      <div class="comments__scroll" ref={scroller} aria-busy={!state.loaded}>
        {!state.loaded && <p class="muted comments__note">Loading comments…</p>}
        {empty && <p class="muted comments__note">No comments yet.{user ? ' Say something nice.' : ''}</p>}
        <ol class="comments__list" data-testid="comment-list" aria-live="polite" aria-relevant="additions">
          {state.items.map((c) => (
            <CommentItem key={c.id} comment={c} canDelete={mayModerate || c.user.id === user?.id} onDelete={(id) => model.remove(id)} />
          ))}
          {user &&
            state.pending.map((p) => (
              <PendingCommentItem
                key={p.clientId}
                pending={p}
                user={user}
                onRetry={(id) => model.retry(id)}
                onDiscard={(id) => model.discard(id)}
              />
            ))}
        </ol>
        {state.next && (
          <button type="button" class="btn btn--small btn--ghost comments__more" onClick={() => void model.loadMore()} disabled={state.loadingMore} data-testid="comments-more">
            {state.loadingMore ? 'Loading…' : 'Load more comments'}
          </button>
        )}
      </div>
      {user ? (
        <CommentComposer photoId={photo.id} onPost={(text) => model.post(text)} />
      ) : (
        <p class="comments__login">
          <Link href={`/login?next=${encodeURIComponent(path + search)}`} data-testid="comment-login">
            Log in to comment
          </Link>
        </p>
      )}
    </section>
  );
}

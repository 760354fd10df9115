// One comment, and one of the viewer's on its way. Names and text are JSX text nodes (the text
// through RichText for its links), never HTML.
import type { ComponentChildren } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import { DELETED_USERNAME, type Comment, type PublicUser } from '../../../../src/shared/api.js';
import type { PendingComment } from '../../comments/comments-model.js';
import { useAction } from '../../lib/use-action.js';
import { fullTime, timeAgo, userHref } from '../../photos/format.js';
import { InlineError } from '../alert.js';
import { Avatar } from '../avatar.js';
import { Link } from '../link.js';
import { ReportButton } from '../moderation/report-button.js';
import { RichText } from '../rich-text.js';
import { useFreshUser } from '../../lib/profiles.js';
import { useHidden } from '../../lib/hidden-users.js';

interface Props {
  comment: Comment;
  /** Its author, the photo's owner or an admin is looking. */
  canDelete: boolean;
  onDelete(id: string): Promise<void>;
}

export function CommentItem({ comment, canDelete, onDelete }: Props) {
  const user = useFreshUser(comment.user);
  const gone = user.username === DELETED_USERNAME;
  // Its author and the viewer blocked one another since it was shown: it leaves the thread.
  if (useHidden(comment.user.id)) return null;
  return (
    <li class="comment" data-testid="comment" data-id={comment.id}>
      <Avatar user={user} size="sm" />
      <div class="comment__body">
        <Byline user={user} gone={gone}>
          <time class="comment__time" dateTime={comment.createdAt} title={fullTime(comment.createdAt)}>
            {timeAgo(comment.createdAt)}
          </time>
        </Byline>
        <p class="comment__text" data-testid="comment-text">
          <RichText text={comment.text} />
        </p>
        {canDelete && <DeleteComment comment={comment} onDelete={onDelete} />}
        {!gone && <ReportButton target={{ type: 'comment', id: comment.id }} label={`Report comment by ${user.displayName}`} authorId={comment.user.id} compact />}
      </div>
    </li>
  );
}

interface PendingProps {
  pending: PendingComment;
  user: PublicUser;
  onRetry(clientId: string): void;
  onDiscard(clientId: string): void;
}

export function PendingCommentItem({ pending, user, onRetry, onDiscard }: PendingProps) {
  const failed = pending.status === 'failed';
  return (
    <li class={`comment comment--pending${failed ? ' comment--failed' : ''}`} data-testid="pending-comment" data-status={pending.status}>
      <Avatar user={user} size="sm" />
      <div class="comment__body">
        <Byline user={user} gone={false}>
          <span class="comment__state">{failed ? 'Not posted' : 'Posting…'}</span>
        </Byline>
        <p class="comment__text">
          <RichText text={pending.text} />
        </p>
        {failed && (
          <div class="comment__error" role="alert" data-testid="comment-error">
            <span>{pending.error}</span>
            <span class="comment__error-actions">
              <button type="button" class="linklike" onClick={() => onRetry(pending.clientId)}>
                Retry
              </button>
              <button type="button" class="linklike" onClick={() => onDiscard(pending.clientId)}>
                Discard
              </button>
            </span>
          </div>
        )}
      </div>
    </li>
  );
}

/** "Display Name @username · time": the name links to the profile (a deleted account has none). */
function Byline({ user, gone, children }: { user: PublicUser; gone: boolean; children: ComponentChildren }) {
  return (
    <div class="comment__meta">
      {gone ? (
        <span class="comment__author">{user.displayName}</span>
      ) : (
        <Link href={userHref(user.username)} class="comment__author" data-testid="comment-author">
          {user.displayName}
        </Link>
      )}
      {!gone && <span class="comment__username">@{user.username}</span>}
      {children}
    </div>
  );
}

/** Delete with an in-place confirmation, as photos have. */
function DeleteComment({ comment, onDelete }: { comment: Comment; onDelete(id: string): Promise<void> }) {
  const [confirming, setConfirming] = useState(false);
  // Stays busy after success: the comment is about to leave the list.
  const { busy, error, run } = useAction({ busyAfterSuccess: true });
  // Keyboard users land on the question's answer, and back on Delete after Cancel.
  const confirmButton = useRef<HTMLButtonElement>(null);
  const askButton = useRef<HTMLButtonElement>(null);
  const asked = useRef(false);
  useEffect(() => {
    if (confirming) confirmButton.current?.focus();
    else if (asked.current) askButton.current?.focus();
    asked.current = confirming;
  }, [confirming]);

  if (!confirming) {
    return (
      <button
        ref={askButton}
        type="button"
        class="comment__delete linklike"
        onClick={() => setConfirming(true)}
        aria-label={`Delete comment by ${comment.user.displayName}`}
        data-testid="delete-comment"
      >
        Delete
      </button>
    );
  }
  return (
    <div class="confirm comment__confirm" role="group" aria-label="Confirm deletion">
      <span>Delete this comment for everyone?</span>
      <div class="confirm__buttons">
        <button
          ref={confirmButton}
          type="button"
          class="btn btn--small btn--danger-solid"
          onClick={() => void run(() => onDelete(comment.id))}
          disabled={busy}
          data-testid="confirm-delete-comment"
        >
          {busy ? 'Deleting…' : 'Delete'}
        </button>
        <button type="button" class="btn btn--small btn--ghost" onClick={() => setConfirming(false)} disabled={busy}>
          Cancel
        </button>
      </div>
      <InlineError message={error} />
    </div>
  );
}

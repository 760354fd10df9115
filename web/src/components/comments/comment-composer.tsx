// Writing a comment: Enter posts, Shift+Enter starts a new line. The count is in characters as the
// server counts them (after trimming), so "0 left" is the real limit; past it, Post is disabled and
// says why.
import { useRef, useState } from 'preact/hooks';
import { LIMITS } from '../../../../src/shared/api.js';
import { enterSends, useAutoGrow } from '../../lib/composer-input.js';
import { commentLength } from '../../comments/comment-list.js';

const MAX_HEIGHT_PX = 160;

export function CommentComposer({ photoId, onPost }: { photoId: string; onPost(text: string): void }) {
  const [text, setText] = useState('');
  const input = useRef<HTMLTextAreaElement>(null);
  const length = commentLength(text);
  const remaining = LIMITS.commentTextMax - length;
  const canPost = length > 0 && remaining >= 0;
  const id = `comment-input-${photoId}`;

  useAutoGrow(input, text, MAX_HEIGHT_PX);

  const post = () => {
    if (!canPost) return;
    // The thread owns it from here: it shows "Posting…", retries, and says why if it cannot.
    onPost(text);
    setText('');
  };

  return (
    <form
      class="comment-composer"
      onSubmit={(e) => {
        e.preventDefault();
        post();
      }}
    >
      <label for={id} class="visually-hidden">
        Add a comment
      </label>
      <textarea
        id={id}
        ref={input}
        class="comment-composer__input"
        rows={1}
        value={text}
        placeholder="Add a comment…"
        aria-describedby={`${id}-count`}
        aria-invalid={remaining < 0}
        data-testid="comment-input"
        onInput={(e) => setText(e.currentTarget.value)}
        onKeyDown={enterSends(post)}
      />
      <div class="comment-composer__bar">
        <span
          id={`${id}-count`}
          class={`comment-composer__count${remaining < 0 ? ' comment-composer__count--over' : remaining < 100 ? ' comment-composer__count--low' : ''}`}
          data-testid="comment-chars"
        >
          {remaining >= 0 ? `${remaining} characters left` : `${-remaining} characters over the limit of ${LIMITS.commentTextMax}`}
        </span>
        <button type="submit" class="btn btn--small" disabled={!canPost} data-testid="comment-send">
          Post
        </button>
      </div>
      {remaining < 0 && (
        <p class="comment-composer__error" role="alert">
          Comments are at most {LIMITS.commentTextMax} characters. Shorten it to post.
        </p>
      )}
    </form>
  );
}

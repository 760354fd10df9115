// One photo's comment thread: pages over HTTP (oldest first), live `comment.created` and
// `comment.deleted` from photo:<id>, and the viewer's own comments from "sending" to posted.
//
// The list is a prefix of the thread plus what came live: while older pages are not all loaded
// (`next` is set), other people's new comments are left to the pages (showing them would leave a
// gap above them); the viewer's own always show. Each post keeps its clientId through retries, so
// the server stores it once, and the 201 and the live event, whichever comes first, make one item.
import type { Comment } from '../../../src/shared/api.js';
import type { Envelope } from '../../../src/shared/realtime.js';
import { ApiError, errorMessage } from '../lib/api.js';
import { isEvent } from '../lib/events.js';
import { LiveModel } from '../lib/live-model.js';
import { currentUser } from '../lib/session.js';
import { photoStream } from '../photos/photos-api.js';
import { deleteComment, fetchComments, postComment } from './comments-api.js';
import { mergeComments, storedText, withoutComment } from './comment-list.js';

export interface PendingComment {
  clientId: string;
  /** As typed. */
  text: string;
  /** `sending` is retried automatically after network errors; `failed` waits for Retry or Discard. */
  status: 'sending' | 'failed';
  error: string | null;
}

export interface CommentsState {
  /** Oldest first. */
  items: Comment[];
  pending: PendingComment[];
  /** Cursor for newer comments not loaded yet; null when the thread is shown to its end. */
  next: string | null;
  loaded: boolean;
  loadingMore: boolean;
  error: string | null;
  /** The photo is gone (or not ready): it has no thread. */
  missing: boolean;
}

/** A refetch (after a gap in the stream) reloads as many pages as were shown, up to this many. */
const REFETCH_PAGES_MAX = 5;
/** Network errors and 5xx are retried with the same clientId after 1, 2, 4 s, then left to the user. */
const AUTO_RETRIES = 3;

export class CommentsModel extends LiveModel<CommentsState> {
  private liveSinceReset: Comment[] = [];
  private deletedSinceReset = new Set<string>();
  /** The viewer's comments posted from this view: shown even before the pages reach them. */
  private readonly posted = new Map<string, Comment>();

  constructor(readonly photoId: string) {
    super({ items: [], pending: [], next: null, loaded: false, loadingMore: false, error: null, missing: false });
  }

  /** Returns the cleanup to run when the thread is left. */
  start(): () => void {
    return this.startLive(photoStream(this.photoId), {
      onEvent: (env) => this.handleEvent(env),
      onError: (err) => this.patch(err.code === 'NOT_FOUND' ? { missing: true, loaded: true } : { error: err.message, loaded: true }),
    });
  }

  async refetch(): Promise<void> {
    const gen = this.nextGeneration();
    this.liveSinceReset = [];
    this.deletedSinceReset = new Set();
    const shown = this.store.get().items.length;
    try {
      let page = await fetchComments(this.photoId);
      let items = page.items;
      for (let n = 1; page.next && items.length < shown && n < REFETCH_PAGES_MAX; n++) {
        page = await fetchComments(this.photoId, page.next);
        if (this.stale(gen)) return;
        items = items.concat(page.items);
      }
      if (this.stale(gen)) return;
      this.patch({ items: this.withExtras(items, page.next), next: page.next, loaded: true, error: null, missing: false });
    } catch (err) {
      if (this.stale(gen)) return;
      if (err instanceof ApiError && err.status === 404) this.patch({ missing: true, loaded: true });
      else this.patch({ error: errorMessage(err), loaded: true });
    }
  }

  loadMore(): Promise<void> {
    return this.loadNextPage('loadingMore', (cursor) => fetchComments(this.photoId, cursor), (page) => ({
      items: this.withExtras(mergeComments(this.store.get().items, page.items), page.next),
      next: page.next,
      error: null,
    }));
  }

  post(text: string): void {
    const pending: PendingComment = { clientId: crypto.randomUUID(), text, status: 'sending', error: null };
    this.patch({ pending: [...this.store.get().pending, pending] });
    void this.send(pending.clientId, 0);
  }

  retry(clientId: string): void {
    this.patchPending(clientId, { status: 'sending', error: null });
    void this.send(clientId, 0);
  }

  discard(clientId: string): void {
    this.patch({ pending: this.store.get().pending.filter((p) => p.clientId !== clientId) });
  }

  /** Deletes a comment; rejects with the reason to show next to it. */
  async remove(id: string): Promise<void> {
    try {
      await deleteComment(id);
    } catch (err) {
      // Already gone (deleted elsewhere, or with its photo): what the user wanted.
      if (!(err instanceof ApiError && err.status === 404)) throw err;
    }
    this.forget(id);
  }

  private async send(clientId: string, attempt: number): Promise<void> {
    const pending = this.store.get().pending.find((p) => p.clientId === clientId);
    if (!pending || this.closed) return;
    try {
      const comment = await postComment(this.photoId, pending.text, clientId);
      this.posted.set(comment.id, comment);
      const { items, pending: list } = this.store.get();
      this.patch({
        pending: list.filter((p) => p.clientId !== clientId),
        items: this.deletedSinceReset.has(comment.id) ? items : mergeComments(items, [comment]),
      });
    } catch (err) {
      if (this.closed || !this.store.get().pending.some((p) => p.clientId === clientId)) return;
      if (transient(err) && attempt < AUTO_RETRIES) {
        setTimeout(() => void this.send(clientId, attempt + 1), 1000 * 2 ** attempt);
        return;
      }
      this.patchPending(clientId, { status: 'failed', error: postError(err) });
    }
  }

  private handleEvent(env: Envelope): void {
    if (isEvent(env, 'comment.created') && env.data.comment.photoId === this.photoId) {
      const { comment } = env.data;
      if (this.deletedSinceReset.has(comment.id)) return;
      this.liveSinceReset.push(comment);
      const { items, next, pending } = this.store.get();
      const mine = this.settlePending(comment, pending);
      this.patch({ pending: mine.pending, items: next === null || mine.matched ? mergeComments(items, [comment]) : items });
    } else if (isEvent(env, 'comment.deleted') && env.data.photoId === this.photoId) {
      this.forget(env.data.id);
    }
  }

  /**
   * The viewer's comment arriving live before its 201: the first pending one with the same stored
   * text becomes it, so it never shows twice. (Were it another of the same text, that one's 201
   * brings it a moment later: the end state is the same.)
   */
  private settlePending(comment: Comment, pending: PendingComment[]): { pending: PendingComment[]; matched: boolean } {
    if (comment.user.id !== currentUser()?.id) return { pending, matched: false };
    const text = comment.text;
    const i = pending.findIndex((p) => p.status === 'sending' && storedText(p.text) === text);
    if (i < 0) return { pending, matched: false };
    this.posted.set(comment.id, comment);
    return { pending: pending.filter((_, j) => j !== i), matched: true };
  }

  private forget(id: string): void {
    this.deletedSinceReset.add(id);
    this.posted.delete(id);
    this.patch({ items: withoutComment(this.store.get().items, id) });
  }

  /** A page's items plus what came live or was posted here that belongs after them. */
  private withExtras(items: Comment[], next: string | null): Comment[] {
    const extras = [...this.posted.values(), ...(next === null ? this.liveSinceReset : [])];
    return mergeComments(items, extras).filter((c) => !this.deletedSinceReset.has(c.id));
  }

  private patchPending(clientId: string, changes: Partial<PendingComment>): void {
    this.patch({ pending: this.store.get().pending.map((p) => (p.clientId === clientId ? { ...p, ...changes } : p)) });
  }
}

function transient(err: unknown): boolean {
  return err instanceof ApiError && (err.status === 0 || err.status >= 500);
}

/** What to tell the poster, in words that say what to do. */
function postError(err: unknown): string {
  if (!(err instanceof ApiError)) return errorMessage(err);
  switch (err.code) {
    case 'RATE_LIMITED':
      return `You are commenting too fast. ${err.message}`;
    case 'UNAUTHENTICATED':
      return 'You were signed out. Log in again to comment.';
    case 'NOT_FOUND':
      return 'This photo is gone: the comment could not be posted.';
    default:
      return err.message;
  }
}

// Comments on photos: listed oldest first, posted once per clientId, deleted by their author, the
// photo's owner or an admin. Each change publishes on photo:<id> with the photo's new count.
// What a comment sets off (notifications) is in comments.jobs.ts.
import { errors } from '../../errors.js';
import { enqueue } from '../../jobs/outbox.js';
import { recordEvent } from '../events/events.js';
import type { RealtimeBus } from '../../ports/bus.js';
import type { Db } from '../../ports/db.js';
import { enforceRate, type RateLimiter } from '../../ports/rate-limit.js';
import { LIMITS, type Comment, type Photo } from '../../shared/api.js';
import { isStorableId } from '../../shared/text.js';
import type { Viewer } from '../accounts/viewer.js';
import { blockedBetween } from '../blocks/blocks.repo.js';
import type { HiddenAuthors } from '../blocks/visibility.js';
import { findPhoto } from '../photos/photos.repo.js';
import { commentsCount, deleteComment, findByClientId, findCommentRef, insertComment, listComments, type CommentRef } from './comments.repo.js';
import { parseCommentText } from './comments.text.js';
import { publishOnce } from '../../realtime/published.js';

export const COMMENT_LIMITS = {
  commentsPerUser: { limit: 20, windowMs: 60_000 },
} as const;

export interface CommentsDeps {
  db: Db;
  bus: RealtimeBus;
  limiter: RateLimiter;
  /** Whose comments (and photos) each viewer must not see: blocks, suspensions. */
  hidden: HiddenAuthors;
}

export class CommentsService {
  constructor(private readonly deps: CommentsDeps) {}

  /** Leaves out the comments of whoever the viewer must not see; a photo of theirs is not found. */
  async list(viewer: Viewer | null, photoId: string, afterId: string | undefined, limit: number): Promise<Comment[]> {
    const hidden = await this.deps.hidden.hiddenFor(viewer?.id ?? null);
    const photo = await this.requireCommentable(photoId, viewer);
    if (photo.owner.id !== viewer?.id && hidden.includes(photo.owner.id)) throw errors.notFound('The photo');
    return listComments(this.deps.db, photoId, afterId, limit, hidden);
  }

  /**
   * Posts a comment once per (user, clientId): a retry returns the first comment with
   * `created: false` and publishes nothing (but what the first try stored and failed to publish).
   */
  async create(viewer: Viewer, photoId: string, input: { text: unknown; clientId: unknown }): Promise<{ comment: Comment; created: boolean }> {
    const { clientId } = input;
    if (!isStorableId(clientId, LIMITS.clientIdMax)) {
      throw errors.validation(`\`clientId\` is required: a string of 1 to ${LIMITS.clientIdMax} characters, without NUL or lone surrogates.`);
    }
    const parsed = parseCommentText(input.text);
    if (!parsed.ok) throw errors.validation(parsed.message);
    const photo = await this.requireCommentable(photoId, viewer);
    if (photo.owner.id !== viewer.id) {
      if (this.deps.hidden.isSuspended(photo.owner.id)) throw errors.notFound('The photo');
      if (await blockedBetween(this.deps.db, viewer.id, photo.owner.id)) {
        throw errors.blocked('You cannot comment on a photo of someone you blocked or who blocked you.');
      }
    }
    const { db, bus } = this.deps;
    const retried = await findByClientId(db, viewer.id, clientId);
    if (retried) return { comment: await this.publishLate(retried), created: false };
    await enforceRate(this.deps.limiter, `comments:${viewer.id}`, COMMENT_LIMITS.commentsPerUser);
    const done = await db.tx(async (q) => {
      // Locked first: a delete of the photo that landed since the check above leaves nothing to
      // comment on, and one that comes now waits for this to commit.
      const [photo] = await q.query<{ owner_id: string }>(`select owner_id from photos where id = $1 and status = 'ready' for update`, [photoId]);
      if (!photo) return null;
      const comment = await insertComment(q, { photoId, userId: viewer.id, clientId, text: parsed.text });
      if (!comment) return { comment: null, comments: 0 }; // the same clientId, committed concurrently
      await enqueue(q, 'comment.notify', { commentId: comment.id });
      await recordEvent(q, 'comment.created', { comment, photo: { id: photoId, ownerId: photo.owner_id } });
      return { comment, comments: await commentsCount(q, photoId) };
    });
    if (!done) throw errors.notFound('The photo');
    if (!done.comment) {
      const first = await findByClientId(db, viewer.id, clientId);
      if (!first) throw errors.notFound('The photo');
      return { comment: first, created: false };
    }
    const comment = done.comment;
    await publishOnce(db, 'comments', comment.id, () => bus.publish(`photo:${photoId}`, 'comment.created', { comment, comments: done.comments }), true);
    return { comment, created: true };
  }

  /** A retry of a comment stored but never published (the publish failed) publishes it now. */
  private async publishLate(comment: Comment): Promise<Comment> {
    const { db, bus } = this.deps;
    await publishOnce(db, 'comments', comment.id, async () => {
      await bus.publish(`photo:${comment.photoId}`, 'comment.created', { comment, comments: await commentsCount(db, comment.photoId) });
    });
    return comment;
  }

  /** Its author, the photo's owner or an admin. */
  async delete(viewer: Viewer, id: string): Promise<void> {
    const comment = isId(id) ? await findCommentRef(this.deps.db, id) : null;
    if (!comment || !(await findPhoto(this.deps.db, comment.photoId, viewer.id))) throw errors.notFound('The comment');
    if (comment.authorId !== viewer.id && comment.photoOwnerId !== viewer.id && !viewer.isAdmin) {
      throw errors.forbidden("Only its author, the photo's owner or an admin can delete a comment.");
    }
    await this.removeRef(comment);
  }

  /** Deletes a comment without checking rights (a moderator's removal); false when it was gone already. */
  async remove(id: string): Promise<boolean> {
    const comment = isId(id) ? await findCommentRef(this.deps.db, id) : null;
    return comment ? this.removeRef(comment) : false;
  }

  private async removeRef(comment: CommentRef): Promise<boolean> {
    const { id } = comment;
    const done = await this.deps.db.tx(async (q) => {
      // The photo's row first, in the same order as a post, so the count moves one change at a time.
      await q.query(`select 1 from photos where id = $1 for update`, [comment.photoId]);
      if (!(await deleteComment(q, id))) return null;
      return { comments: await commentsCount(q, comment.photoId) };
    });
    if (!done) return false; // deleted concurrently (or with its photo): that delete told everyone
    await this.deps.bus.publish(`photo:${comment.photoId}`, 'comment.deleted', { id, photoId: comment.photoId, comments: done.comments });
    return true;
  }

  /** Ready and visible to the viewer; a photo still processing, failed or gone has no comments. */
  private async requireCommentable(photoId: string, viewer: Viewer | null): Promise<Photo> {
    const photo = isId(photoId) ? await findPhoto(this.deps.db, photoId, viewer?.id ?? null) : null;
    if (!photo || photo.status !== 'ready') throw errors.notFound('The photo');
    return photo;
  }
}

function isId(id: string): boolean {
  return /^\d{1,18}$/.test(id);
}

// What a comment (or a ready photo's caption) sets off, as jobs. The chain is here:
//
//   POST comment ──► comment.notify ─┬─► notify (comment, to the photo's owner)
//                                    └─► notify (mention, to each user named with @, at most 10)
//   photo.resize (ready, caption has @) ──► photo.mentions ──► notify (mention, to each user named)
//
// Both are idempotent: a redelivery enqueues the same notify jobs again, and their dedupe keys
// (`comment:<id>`, `mention:comment:<id>`, `mention:photo:<id>`, one per recipient) store each
// notification once. Nobody is notified of their own comment or caption, nor of anything from
// someone in a block with them (insertNotification drops those), nor of a mention on a photo whose
// owner is in a block with them (they could not open it).
import { enqueue } from '../../jobs/outbox.js';
import type { Db, Queryable } from '../../ports/db.js';
import type { JobRunner } from '../../ports/jobs.js';
import { blockedAmong } from '../blocks/blocks.repo.js';
import { findCommentRef, usersNamed } from './comments.repo.js';
import { parseMentions } from './comments.text.js';

export interface CommentJobsDeps {
  db: Db;
}

export function registerCommentJobs(runner: JobRunner, deps: CommentJobsDeps): void {
  runner.handle('comment.notify', (job) => notifyComment(deps.db, job.payload.commentId));
  runner.handle('photo.mentions', (job) => notifyCaptionMentions(deps.db, job.payload.photoId));
}

/** Called in the transaction that makes a photo ready: a job only when its caption mentions someone. */
export async function enqueueCaptionMentions(q: Queryable, photoId: string): Promise<void> {
  const [row] = await q.query<{ caption: string }>(`select caption from photos where id = $1`, [photoId]);
  if (row && parseMentions(row.caption).length > 0) await enqueue(q, 'photo.mentions', { photoId });
}

export async function notifyComment(db: Db, commentId: string): Promise<void> {
  const comment = await findCommentRef(db, commentId);
  if (!comment) return; // deleted meanwhile: nothing to say
  const mentioned = await usersNamed(db, parseMentions(comment.text));
  const apart = await blockedAmong(db, comment.photoOwnerId, mentioned.map((u) => u.id));
  await db.tx(async (q) => {
    const base = { actorId: comment.authorId, photoId: comment.photoId, commentId: comment.id };
    if (comment.photoOwnerId !== comment.authorId) {
      await enqueue(q, 'notify', { userId: comment.photoOwnerId, type: 'comment', ...base, key: `comment:${comment.id}` });
    }
    for (const user of mentioned) {
      // The owner hears of the comment already; the author needs no word of their own mention.
      if (user.id === comment.authorId || user.id === comment.photoOwnerId || apart.has(user.id)) continue;
      await enqueue(q, 'notify', { userId: user.id, type: 'mention', ...base, key: `mention:comment:${comment.id}` });
    }
  });
}

export async function notifyCaptionMentions(db: Db, photoId: string): Promise<void> {
  const [photo] = await db.query<{ owner_id: string; caption: string }>(`select owner_id, caption from photos where id = $1 and status = 'ready'`, [
    photoId,
  ]);
  if (!photo) return;
  const mentioned = await usersNamed(db, parseMentions(photo.caption));
  await db.tx(async (q) => {
    for (const user of mentioned) {
      if (user.id === photo.owner_id) continue;
      await enqueue(q, 'notify', { userId: user.id, type: 'mention', actorId: photo.owner_id, photoId, key: `mention:photo:${photoId}` });
    }
  });
}

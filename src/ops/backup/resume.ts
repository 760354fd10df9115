// After a restore: work that was under way when the snapshot was taken is started again, from the
// rows themselves rather than from job history. A cluster's jobs were in RabbitMQ (not in a backup:
// the table keeps only 'sent'), and an embedded job may have been claimed by the process that took
// it; either way, what the rows say is unfinished gets its job, unless a pending one is restored
// with it. Every job is idempotent (ports/jobs.ts), so a job that did finish after all does nothing.
// No photo, avatar, deletion or export is left waiting for a job that will never come.
import { enqueue } from '../../jobs/outbox.js';
import type { BlobStore } from '../../ports/blobs.js';
import type { Queryable } from '../../ports/db.js';
import type { JobName } from '../../ports/jobs.js';
import { GAVE_UP } from '../../features/photos/photos.pipeline.js';
import { resizeRequest } from '../../features/photos/resizer.js';

export interface Resumed {
  /** Jobs enqueued, by name. */
  jobs: Partial<Record<JobName, number>>;
}

export async function resumeWork(q: Queryable, stores: { media: BlobStore; uploads: BlobStore }): Promise<Resumed> {
  // A job claimed by the process that took the backup belongs to no one now.
  await q.query(`update jobs set status = 'pending', locked_until = null, run_at = now() where status = 'running'`);
  const jobs: Resumed['jobs'] = {};
  const count = (name: JobName) => (jobs[name] = (jobs[name] ?? 0) + 1);
  const pending = async (name: JobName, field: string) =>
    new Set((await q.query<{ v: string }>(`select payload->>'${field}' as v from jobs where status = 'pending' and name = $1`, [name])).map((r) => r.v));

  const resizing = new Set([...(await pending('photo.resize', 'photoId')), ...(await pending('photo.resized', 'photoId'))]);
  for (const p of await q.query<{ id: string; upload_key: string | null }>(`select id, upload_key from photos where status = 'processing' order by id`)) {
    if (resizing.has(p.id)) continue;
    if (p.upload_key) {
      await enqueue(q, 'photo.resize', await resizeRequest(p.id, p.upload_key, stores));
      count('photo.resize');
    } else {
      // Nothing to resize from: it fails the way any photo does (its owner is told), instead of waiting forever.
      await enqueue(q, 'photo.resized', { photoId: p.id, ok: false, reason: GAVE_UP });
      count('photo.resized');
    }
  }

  const fanning = await pending('photo.fanout', 'photoId');
  for (const p of await q.query<{ id: string }>(`select id from photos where status = 'ready' and published_at is null order by id`)) {
    if (fanning.has(p.id)) continue;
    await enqueue(q, 'photo.fanout', { photoId: p.id });
    count('photo.fanout');
  }

  const avatars = await pending('avatar.process', 'uploadKey');
  for (const u of await q.query<{ id: string; avatar_upload: string }>(`select id, avatar_upload from users where avatar_upload is not null and deleted_at is null order by id`)) {
    if (avatars.has(u.avatar_upload)) continue;
    await enqueue(q, 'avatar.process', { userId: u.id, uploadKey: u.avatar_upload });
    count('avatar.process');
  }

  // A deletion is finished when the username is gone (features/accounts/accounts.jobs.ts).
  const deleting = await pending('account.delete', 'userId');
  for (const u of await q.query<{ id: string }>(`select id from users where deleted_at is not null and username is not null order by id`)) {
    if (deleting.has(u.id)) continue;
    await enqueue(q, 'account.delete', { userId: u.id });
    count('account.delete');
  }

  const exporting = await pending('account.export', 'exportId');
  for (const e of await q.query<{ id: string }>(`select id from account_exports where status = 'pending' order by id`)) {
    if (exporting.has(e.id)) continue;
    await enqueue(q, 'account.export', { exportId: e.id });
    count('account.export');
  }
  return { jobs };
}

// Pure helpers that merge photos from HTTP pages, live events and the user's own uploads.
// Every source may repeat a photo; the id decides, so each shows once, newest first.
import type { Photo, PhotoStatus } from '../../../src/shared/api.js';
import { compareIds, isoTime } from '../lib/order.js';

// A processing copy must never replace a finished one: the 202's placeholder and a live
// `photo.ready` race, and the finished photo has to win whichever comes last.
const RANK: Record<PhotoStatus, number> = { processing: 0, failed: 1, ready: 2 };

/** Union by id, newest first. Later copies win unless they are less finished. */
export function mergePhotos(...lists: readonly (readonly Photo[])[]): Photo[] {
  const byId = new Map<string, Photo>();
  for (const list of lists) {
    for (const p of list) {
      const old = byId.get(p.id);
      byId.set(p.id, old ? pickNewer(old, p) : p);
    }
  }
  return [...byId.values()].sort(newestFirst);
}

function pickNewer(old: Photo, next: Photo): Photo {
  return RANK[next.status] < RANK[old.status] ? old : next;
}

export function newestFirst(a: Photo, b: Photo): number {
  const dt = isoTime(b.createdAt) - isoTime(a.createdAt);
  return dt !== 0 ? dt : compareIds(b.id, a.id);
}

export function withoutPhoto(list: readonly Photo[], id: string): Photo[] {
  return list.filter((p) => p.id !== id);
}

export function patchPhoto(list: readonly Photo[], id: string, changes: Partial<Photo>): Photo[] {
  return list.map((p) => (p.id === id ? { ...p, ...changes } : p));
}

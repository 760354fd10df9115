import { useEffect, useRef } from 'preact/hooks';
import type { Photo } from '../../../src/shared/api.js';
import { ApiError } from '../lib/api.js';
import { isEvent } from '../lib/events.js';
import { live } from '../lib/live.js';
import { fetchPhoto, photoStream } from './photos-api.js';

interface Handlers {
  /** The photo as it is now (fresh from HTTP, or with a live like or comment count). */
  onChange(photo: Photo): void;
  onDeleted(id: string): void;
}

/**
 * Keeps one open photo current while mounted: `photo:<id>` carries like and comment counts, and every reset
 * (the first subscribe included) refetches it, which also brings the viewer's own `liked`,
 * that broadcast copies of a photo cannot know.
 */
export function usePhotoLive(photo: Photo, handlers: Handlers): void {
  const latest = useRef({ photo, handlers });
  latest.current = { photo, handlers };
  useEffect(() => {
    const id = photo.id;
    let closed = false;
    // Two events in one tick (a like and a comment) must both count: each builds on the last change,
    // not on the photo of the last render.
    const change = (next: Photo) => {
      latest.current.photo = next;
      latest.current.handlers.onChange(next);
    };
    const refetch = async () => {
      try {
        const fresh = await fetchPhoto(id);
        if (!closed) change(fresh);
      } catch (err) {
        if (!closed && err instanceof ApiError && err.status === 404) latest.current.handlers.onDeleted(id);
      }
    };
    const unsubscribe = live.subscribe(photoStream(id), {
      onEvent(env) {
        const current = latest.current.photo;
        if (isEvent(env, 'photo.liked') && env.data.id === id) change({ ...current, likes: env.data.likes });
        else if (isEvent(env, 'comment.created') && env.data.comment.photoId === id) change({ ...current, comments: env.data.comments });
        else if (isEvent(env, 'comment.deleted') && env.data.photoId === id) change({ ...current, comments: env.data.comments });
        else if (isEvent(env, 'photo.deleted') && env.data.id === id) latest.current.handlers.onDeleted(id);
      },
      onReset: () => void refetch(),
    });
    return () => {
      closed = true;
      unsubscribe();
    };
  }, [photo.id]);
}

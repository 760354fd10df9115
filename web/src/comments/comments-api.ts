// The comments part of the HTTP API. Comments are listed oldest first: `next` points forward in time.
import type { Comment, Page } from '../../../src/shared/api.js';
import { api, withQuery } from '../lib/api.js';

export const COMMENTS_PAGE = 30;

const seg = encodeURIComponent;

export function fetchComments(photoId: string, after?: string | null): Promise<Page<Comment>> {
  return api('GET', withQuery(`/api/photos/${seg(photoId)}/comments`, { limit: COMMENTS_PAGE, after }));
}

/** 201 with the new comment, or 200 with the first one when this clientId was sent before. */
export async function postComment(photoId: string, text: string, clientId: string): Promise<Comment> {
  return (await api<{ comment: Comment }>('POST', `/api/photos/${seg(photoId)}/comments`, { text, clientId })).comment;
}

export function deleteComment(id: string): Promise<void> {
  return api('DELETE', `/api/comments/${seg(id)}`);
}

// PUT /api/me/avatar with XMLHttpRequest, the only browser API that reports upload progress.
// Same error handling as the photo upload (photos/upload.ts), for a different URL and reply.
import { ApiError, reportUnauthorized, toApiError } from '../lib/api.js';
import { UploadAbortedError } from '../photos/upload.js';

export { UploadAbortedError };

export interface AvatarUpload {
  /** Resolves on the 202: the server has the file and a job is making the picture. */
  done: Promise<void>;
  abort(): void;
}

/** `onProgress` gets the fraction of the body sent, 0..1. */
export function uploadAvatar(file: File, onProgress: (fraction: number) => void): AvatarUpload {
  const xhr = new XMLHttpRequest();
  const form = new FormData();
  form.append('file', file, file.name);

  const done = new Promise<void>((resolve, reject) => {
    xhr.upload.onprogress = (e) => {
      if (e.lengthComputable && e.total > 0) onProgress(e.loaded / e.total);
    };
    xhr.onload = () => {
      if (xhr.status >= 200 && xhr.status < 300) return resolve();
      if (xhr.status === 401) reportUnauthorized();
      reject(toApiError(xhr.status, xhr.statusText, parseJson(xhr.responseText)));
    };
    xhr.onerror = () => reject(new ApiError('NETWORK', 'The upload was interrupted. Check your connection and try again.', 0));
    xhr.onabort = () => reject(new UploadAbortedError());
  });

  xhr.open('PUT', '/api/me/avatar');
  xhr.setRequestHeader('accept', 'application/json');
  xhr.withCredentials = true;
  xhr.send(form);
  return { done, abort: () => xhr.abort() };
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

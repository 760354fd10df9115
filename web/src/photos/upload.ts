// The upload request. XMLHttpRequest rather than fetch: only XHR reports upload progress.
import type { Photo } from '../../../src/shared/api.js';
import { ApiError, reportUnauthorized, toApiError } from '../lib/api.js';

export interface UploadInput {
  file: File;
  caption: string;
  /** A city slug, or empty for none. */
  city: string;
}

export interface Upload {
  /** The 202's photo, status `processing`. */
  done: Promise<Photo>;
  abort(): void;
}

export class UploadAbortedError extends Error {
  constructor() {
    super('Upload cancelled');
    this.name = 'UploadAbortedError';
  }
}

/** `onProgress` gets the fraction of the body sent, 0..1. */
export function startUpload(input: UploadInput, onProgress: (fraction: number) => void): Upload {
  const xhr = new XMLHttpRequest();
  const form = new FormData();
  // Text fields before the file: the server reads the multipart stream in order and can refuse
  // a bad caption or city before it has spooled 25 MB.
  if (input.caption) form.append('caption', input.caption);
  if (input.city) form.append('city', input.city);
  form.append('file', input.file, input.file.name);

  const done = new Promise<Photo>((resolve, reject) => {
    xhr.upload.onprogress = (e) => {
      if (e.lengthComputable && e.total > 0) onProgress(e.loaded / e.total);
    };
    xhr.onload = () => {
      const payload = parseJson(xhr.responseText);
      if (xhr.status >= 200 && xhr.status < 300) {
        const photo = (payload as { photo?: Photo } | undefined)?.photo;
        if (photo) return resolve(photo);
        return reject(new ApiError('BAD_RESPONSE', 'The server accepted the upload but sent no photo back.', xhr.status));
      }
      if (xhr.status === 401) reportUnauthorized();
      reject(toApiError(xhr.status, xhr.statusText, payload));
    };
    xhr.onerror = () => reject(new ApiError('NETWORK', 'The upload was interrupted. Check your connection and try again.', 0));
    xhr.onabort = () => reject(new UploadAbortedError());
  });

  xhr.open('POST', '/api/photos');
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

// The one way the app talks HTTP: JSON in and out, same-origin cookies, and the contract's
// `{error: {code, message}}` turned into an ApiError the UI can show.
import type { ApiErrorBody } from '../../../src/shared/api.js';

export class ApiError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly status: number,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

type Method = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

let onUnauthorized: (() => void) | undefined;

/** Lets the session notice an expired cookie on any request, not only on /api/me. */
export function setUnauthorizedHandler(handler: () => void): void {
  onUnauthorized = handler;
}

export async function api<T>(method: Method, path: string, body?: unknown, signal?: AbortSignal): Promise<T> {
  const headers: Record<string, string> = { accept: 'application/json' };
  // No content-type without a body: servers rightly refuse an empty JSON body.
  if (body !== undefined) headers['content-type'] = 'application/json';
  let res: Response;
  try {
    res = await fetch(path, {
      method,
      headers,
      credentials: 'same-origin',
      body: body === undefined ? undefined : JSON.stringify(body),
      signal,
    });
  } catch (err) {
    // The caller gave up on purpose (a newer search replaced it): not a network problem.
    if (signal?.aborted) throw err;
    throw new ApiError('NETWORK', 'Cannot reach the server. Check your connection and try again.', 0);
  }
  if (res.status === 204) return undefined as T;
  const payload: unknown = await res.json().catch(() => undefined);
  if (!res.ok) {
    if (res.status === 401 && !path.startsWith('/api/auth/')) reportUnauthorized();
    throw toApiError(res.status, res.statusText, payload);
  }
  return payload as T;
}

/** For requests made outside api() (the XHR upload): a 401 means the session is gone. */
export function reportUnauthorized(): void {
  onUnauthorized?.();
}

/** The contract's error body as an ApiError, or a generic one when the body is not that. */
export function toApiError(status: number, statusText: string, payload: unknown): ApiError {
  const body = payload as Partial<ApiErrorBody> | undefined;
  const err = body?.error;
  if (err && typeof err.code === 'string' && typeof err.message === 'string') {
    return new ApiError(err.code, err.message, status);
  }
  return new ApiError(`HTTP_${status}`, `The server answered ${status} ${statusText}.`.trim(), status);
}

/** A message for anything caught in a UI handler. */
export function errorMessage(err: unknown): string {
  if (err instanceof Error && err.message) return err.message;
  return 'Something went wrong. Please try again.';
}

/** Builds `path?a=1&b=2`, skipping empty values. */
export function withQuery(path: string, query: Record<string, string | number | null | undefined>): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) {
    if (value !== undefined && value !== null && value !== '') params.set(key, String(value));
  }
  const qs = params.toString();
  return qs ? `${path}?${qs}` : path;
}

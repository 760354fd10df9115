// The error catalog: every error a client can see has a stable code, a status and a message.
// Tests assert on `code`; messages are for people.

export class AppError extends Error {
  constructor(
    readonly code: string,
    readonly statusCode: number,
    message: string,
    /** Seconds, sent as Retry-After on 429 and 503. */
    readonly retryAfter?: number,
  ) {
    super(message);
    this.name = 'AppError';
  }
}

export const errors = {
  validation: (message: string) => new AppError('VALIDATION', 400, message),
  badRequest: (message: string) => new AppError('BAD_REQUEST', 400, message),
  invalidJson: () => new AppError('INVALID_JSON', 400, 'The request body is not valid JSON.'),
  unauthenticated: () => new AppError('UNAUTHENTICATED', 401, 'You need to sign in first.'),
  badCredentials: () => new AppError('BAD_CREDENTIALS', 401, 'Wrong username or password.'),
  forbidden: (message = 'You are not allowed to do that.') => new AppError('FORBIDDEN', 403, message),
  csrf: () => new AppError('CSRF', 403, 'Cross-site requests are not allowed.'),
  /** One of the two blocked the other (features/blocks): no follow, like, comment or message between them. */
  blocked: (message = 'You cannot do that: one of you has blocked the other.') => new AppError('BLOCKED', 403, message),
  notFound: (what = 'That') => new AppError('NOT_FOUND', 404, `${what} was not found.`),
  unknownCity: (slug: string) => new AppError('UNKNOWN_CITY', 400, `There is no city "${slug.slice(0, 60)}". Pick one from the list.`),
  usernameTaken: () => new AppError('USERNAME_TAKEN', 409, 'That username is already taken.'),
  conflict: (message: string) => new AppError('CONFLICT', 409, message),
  tooLarge: (message = 'The request body is too large.') => new AppError('PAYLOAD_TOO_LARGE', 413, message),
  unsupportedType: (message = 'Unsupported content type.') => new AppError('UNSUPPORTED_MEDIA_TYPE', 415, message),
  unreadableImage: (message: string) => new AppError('UNREADABLE_IMAGE', 422, message),
  tooManyPixels: (message: string) => new AppError('TOO_MANY_PIXELS', 422, message),
  emptyFile: () => new AppError('EMPTY_FILE', 400, 'The file is empty.'),
  rateLimited: (retryAfterMs: number) =>
    new AppError(
      'RATE_LIMITED',
      429,
      `Too many requests. Try again in ${Math.max(1, Math.ceil(retryAfterMs / 1000))} s.`,
      Math.max(1, Math.ceil(retryAfterMs / 1000)),
    ),
  /** RATE_LIMITED whose message says which limit it is and what the person can do about it. */
  rateLimitedWith: (retryAfterMs: number, message: string) => new AppError('RATE_LIMITED', 429, message, Math.max(1, Math.ceil(retryAfterMs / 1000))),
  unavailable: (message = 'A service Strobe depends on is unavailable.') => new AppError('UNAVAILABLE', 503, message, 5),
  internal: () => new AppError('INTERNAL', 500, 'Something went wrong on our side.'),
} as const;

export function errorBody(err: AppError) {
  return { error: { code: err.code, message: err.message } };
}

// The one error handler: AppErrors and Fastify's own 4xx errors become the contract's error body;
// anything else is logged with the request id and answered with a generic 500.
import type { IncomingMessage } from 'node:http';
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { AppError, errorBody, errors } from '../errors.js';

interface ValidationIssue {
  instancePath?: string;
  message?: string;
  params?: { missingProperty?: string };
  parentSchema?: { description?: string };
}

export function toAppError(err: FastifyError & { validation?: ValidationIssue[] }): AppError {
  if (err instanceof AppError) return err;
  if (err.validation?.length) return errors.validation(describe(err.validation[0]!, err.validationContext));
  switch (err.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
    case 'FST_REQ_FILE_TOO_LARGE':
    case 'FST_FILES_LIMIT':
      return errors.tooLarge();
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return errors.unsupportedType('Send JSON (Content-Type: application/json).');
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return errors.validation('The request body is empty.');
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
      return errors.invalidJson();
  }
  if (err instanceof SyntaxError) return errors.invalidJson();
  const status = err.statusCode ?? 500;
  if (status >= 400 && status < 500) return new AppError(GENERIC_CODES[status] ?? 'BAD_REQUEST', status, err.message);
  return errors.internal();
}

const GENERIC_CODES: Record<number, string> = {
  401: 'UNAUTHENTICATED',
  403: 'FORBIDDEN',
  404: 'NOT_FOUND',
  405: 'METHOD_NOT_ALLOWED',
  413: 'PAYLOAD_TOO_LARGE',
  415: 'UNSUPPORTED_MEDIA_TYPE',
  429: 'RATE_LIMITED',
};

function describe(issue: ValidationIssue, context: string | undefined): string {
  const field = issue.params?.missingProperty ?? issue.instancePath?.replace(/^\//, '').replace(/\//g, '.') ?? '';
  if (issue.params?.missingProperty) return `${field} is required.`;
  if (issue.parentSchema?.description) return issue.parentSchema.description;
  return `${field || context || 'request'} ${issue.message ?? 'is invalid'}.`;
}

export async function handleError(err: FastifyError, req: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> {
  const appErr = toAppError(err);
  if (appErr.statusCode >= 500) req.log.error({ err }, 'request failed');
  else req.log.info({ code: appErr.code, status: appErr.statusCode }, appErr.message);
  if (appErr.retryAfter !== undefined) void reply.header('retry-after', String(appErr.retryAfter));
  return sendError(req, reply, appErr);
}

/**
 * Answers with the error body once the request body is off the wire. An error can come before the
 * body was read (a Content-Length over the limit, a refused upload, a 401 before a multipart body):
 * answering and closing then leaves the client writing into a closed socket, the kernel resets the
 * connection, and the client sees a reset (EPIPE) instead of the answer.
 */
export async function sendError(req: FastifyRequest, reply: FastifyReply, appErr: AppError): Promise<FastifyReply> {
  if (await drainBody(req.raw)) {
    // The body is read whole, so the connection is fit for another request whatever the parser feared.
    if (reply.getHeader('connection') === 'close') reply.removeHeader('connection');
  } else {
    // Past the bound: close, and the client may see a reset rather than be read from forever.
    void reply.header('connection', 'close');
  }
  return reply.code(appErr.statusCode).send(errorBody(appErr));
}

/** How much of an unread body is read and dropped before an error is answered: past it, the client may see a reset. */
const DRAIN_MAX_BYTES = 32 * 1024 * 1024;
const DRAIN_MAX_MS = 10_000;

/**
 * Reads and drops what is left of a request body, up to DRAIN_MAX_BYTES or DRAIN_MAX_MS. True when
 * the body ended (or there was none).
 */
export function drainBody(raw: IncomingMessage): Promise<boolean> {
  // light-my-request's (app.inject) request has no `complete`, and its body has ended already.
  if (raw.complete || raw.readableEnded) return Promise.resolve(true);
  if (raw.destroyed) return Promise.resolve(false);
  // Declared too big and never touched: reading the bound's worth first would only delay the same end.
  if (raw.readableFlowing === null && Number(raw.headers['content-length']) > DRAIN_MAX_BYTES) return Promise.resolve(false);
  return new Promise((resolve) => {
    let read = 0;
    const done = (ended: boolean) => {
      clearTimeout(timer);
      raw.off('data', onData).off('end', onEnd).off('close', onClose).off('error', onClose);
      if (!ended) raw.pause();
      resolve(ended);
    };
    const onData = (chunk: Buffer) => {
      read += chunk.length;
      if (read > DRAIN_MAX_BYTES) done(false);
    };
    const onEnd = () => done(true);
    const onClose = () => done(raw.complete);
    const timer = setTimeout(() => done(false), DRAIN_MAX_MS);
    // A parser that gave up (busboy after a limit) must neither hold the stream back nor see more.
    raw.unpipe();
    raw.on('data', onData).once('end', onEnd).once('close', onClose).once('error', onClose);
    raw.resume();
  });
}

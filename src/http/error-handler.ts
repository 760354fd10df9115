// The one error handler: AppErrors and Fastify's own 4xx errors become the contract's error body;
// anything else is logged with the request id and answered with a generic 500.
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

export function handleError(err: FastifyError, req: FastifyRequest, reply: FastifyReply): void {
  const appErr = toAppError(err);
  if (appErr.statusCode >= 500) req.log.error({ err }, 'request failed');
  else req.log.info({ code: appErr.code, status: appErr.statusCode }, appErr.message);
  if (appErr.retryAfter !== undefined) void reply.header('retry-after', String(appErr.retryAfter));
  void reply.code(appErr.statusCode).send(errorBody(appErr));
}

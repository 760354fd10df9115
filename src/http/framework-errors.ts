// Answers in the error envelope for what fails before a route runs: requests Node's parser refuses
// (malformed HTTP, an unknown method, headers or a URL over 16 KiB), URLs Fastify cannot decode, and
// path parameters longer than any route takes. Their defaults answer in other shapes.
import type { Socket } from 'node:net';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { errorBody, errors } from '../errors.js';

/** Node's parse errors: the request never becomes one, so the socket gets a raw answer and closes. */
export function clientErrorHandler(err: Error & { code?: string }, socket: Socket): void {
  if (err.code === 'ECONNRESET' || !socket.writable) {
    socket.destroy();
    return;
  }
  const tooBig = err.code === 'HPE_HEADER_OVERFLOW';
  const body = JSON.stringify(errorBody(tooBig ? errors.tooLarge('The request headers are too large.') : errors.badRequest('The request is malformed.')));
  socket.end(
    `HTTP/1.1 ${tooBig ? '413 Payload Too Large' : '400 Bad Request'}\r\n` +
      `content-type: application/json; charset=utf-8\r\ncontent-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`,
  );
}

/** FST_ERR_BAD_URL, FST_ERR_MAX_PARAM_LENGTH and FST_ERR_ASYNC_CONSTRAINT. */
export function frameworkErrors(err: Error & { code?: string }, _req: FastifyRequest, reply: FastifyReply): void {
  // No route takes a parameter that long, so no resource has that name.
  const appErr = err.code === 'FST_ERR_MAX_PARAM_LENGTH' ? errors.notFound() : errors.badRequest('The URL is malformed.');
  void reply.code(appErr.statusCode).send(errorBody(appErr));
}

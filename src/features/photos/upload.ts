// Receives a multipart upload: the file streams to a temporary file while it is hashed, measured
// and its first bytes kept for sniffing, so memory stays flat whatever the size. Text fields are
// collected as they come. The caller owns the temporary file and must remove it.
import { createHash, randomBytes } from 'node:crypto';
import { open, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type {} from '@fastify/multipart';
import type { FastifyRequest } from 'fastify';
import { AppError, errors } from '../../errors.js';
import { LIMITS } from '../../shared/api.js';

const SNIFF_BYTES = 32;
/** The text fields an upload may carry; any other is ignored. */
export const UPLOAD_FIELDS = new Set(['caption', 'city']);

export interface SpooledFile {
  path: string;
  size: number;
  sha256: string;
  /** The first bytes, for sniffing the real type. */
  head: Buffer;
}

export interface ReceivedUpload {
  /** Absent when the form had no `file` part. */
  file?: SpooledFile;
  fields: { caption?: string; city?: string };
  /** Removes the temporary file. Safe to call twice. */
  discard(): Promise<void>;
}

export async function receiveUpload(req: FastifyRequest, tmpDir: string): Promise<ReceivedUpload> {
  const received: ReceivedUpload = { fields: {}, discard: async () => {} };
  try {
    for await (const part of req.parts({ limits: { fileSize: LIMITS.uploadMaxBytes, files: 1, fields: 10, fieldSize: 8 * 1024, parts: 12 } })) {
      if (part.type === 'field') {
        if (!UPLOAD_FIELDS.has(part.fieldname)) continue;
        if (part.valueTruncated) throw errors.validation(`\`${part.fieldname}\` is too long.`);
        if (typeof part.value !== 'string') throw errors.validation(`\`${part.fieldname}\` must be text.`);
        received.fields[part.fieldname as 'caption' | 'city'] = part.value;
        continue;
      }
      if (part.fieldname !== 'file') {
        part.file.resume(); // drained, not stored: only `file` is a photo
        continue;
      }
      const file = await spool(part.file, tmpDir, 'upload', (discard) => (received.discard = discard));
      if (part.file.truncated) throw errors.tooLarge(`Photos are at most ${LIMITS.uploadMaxBytes / 1024 / 1024} MB.`);
      received.file = file;
    }
  } catch (err) {
    await received.discard();
    throw asUploadError(err);
  }
  return received;
}

function asUploadError(err: unknown): unknown {
  if (err instanceof AppError) return err;
  const e = err as { code?: string; statusCode?: number; syscall?: string };
  if (e.code === 'FST_REQ_FILE_TOO_LARGE') return errors.tooLarge(`Photos are at most ${LIMITS.uploadMaxBytes / 1024 / 1024} MB.`);
  if (e.code === 'FST_INVALID_MULTIPART_CONTENT_TYPE') return errors.unsupportedType('Send the photo as multipart/form-data with a `file` field.');
  if (e.code === 'FST_FILES_LIMIT') return errors.badRequest('Send one file per upload.');
  if (e.code === 'FST_PARTS_LIMIT' || e.code === 'FST_FIELDS_LIMIT') return errors.badRequest('The form has too many fields.');
  // Disk errors are ours (500); anything else from the parser means a malformed or cut-off body.
  if (e.syscall) return err;
  return errors.badRequest('The upload is malformed or was cut off.');
}

/**
 * Streams an uploaded file to a temporary file named by us (never by the client), hashing and
 * measuring it and keeping its first bytes. `opened` gets the remover once the file exists: it is
 * opened before anything is read, so an early error can always remove it (a stream that opened
 * lazily could create it after the error had already "removed" it).
 */
export async function spool(
  stream: NodeJS.ReadableStream,
  tmpDir: string,
  suffix: string,
  opened: (discard: () => Promise<void>) => void,
): Promise<SpooledFile> {
  const path = join(tmpDir, `${randomBytes(12).toString('hex')}.${suffix}`);
  const out = await open(path, 'wx');
  opened(() => rm(path, { force: true }));
  const hash = createHash('sha256');
  let size = 0;
  let head = Buffer.alloc(0);
  const meter = new Transform({
    transform(chunk: Buffer, _enc, done) {
      hash.update(chunk);
      size += chunk.length;
      if (head.length < SNIFF_BYTES) head = Buffer.concat([head, chunk.subarray(0, SNIFF_BYTES - head.length)]);
      done(null, chunk);
    },
  });
  await pipeline(stream, meter, out.createWriteStream());
  return { path, size, sha256: hash.digest('hex'), head };
}

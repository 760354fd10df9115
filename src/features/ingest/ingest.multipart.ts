// Parses a multipart body that is already on disk (it was kept whole until its signature checked
// out) into the same upload the photo route receives: the `file` part streamed to a temporary file
// while it is hashed and sniffed, `caption` and `city` as text. Nothing else is kept.
import { createReadStream } from 'node:fs';
import { pipeline } from 'node:stream/promises';
import { Busboy } from '@fastify/busboy';
import { errors } from '../../errors.js';
import { LIMITS } from '../../shared/api.js';
import { spool, UPLOAD_FIELDS, type ReceivedUpload } from '../photos/upload.js';

export async function parseMultipartFile(bodyPath: string, contentType: string, tmpDir: string): Promise<ReceivedUpload> {
  const received: ReceivedUpload = { fields: {}, discard: async () => {} };
  const writes: Promise<void>[] = [];
  try {
    let parser;
    try {
      parser = Busboy({ headers: { 'content-type': contentType }, limits: { fileSize: LIMITS.uploadMaxBytes, files: 1, fields: 10, fieldSize: 8 * 1024, parts: 12 } });
    } catch {
      throw errors.unsupportedType('Send the photo as multipart/form-data with a boundary and a `file` field.');
    }
    let tooLarge = false;
    parser.on('field', (name, value, _nameTruncated, valueTruncated) => {
      if (!UPLOAD_FIELDS.has(name)) return;
      if (valueTruncated) writes.push(Promise.reject(errors.validation(`\`${name}\` is too long.`)));
      else received.fields[name as 'caption' | 'city'] = value;
    });
    parser.on('file', (name, stream) => {
      if (name !== 'file' || received.file) {
        stream.resume();
        return;
      }
      writes.push(
        (async () => {
          const file = await spool(stream, tmpDir, 'ingest', (discard) => (received.discard = discard));
          if (stream.truncated) tooLarge = true;
          received.file = file;
        })(),
      );
    });
    await pipeline(createReadStream(bodyPath), parser).catch(() => {
      throw errors.badRequest('The upload is malformed or was cut off.');
    });
    await Promise.all(writes);
    if (tooLarge) throw errors.tooLarge(`Photos are at most ${LIMITS.uploadMaxBytes / 1024 / 1024} MB.`);
  } catch (err) {
    await Promise.allSettled(writes);
    await received.discard();
    throw err;
  }
  return received;
}

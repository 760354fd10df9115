// Signed ingest: a named source (a camera, a bot) sends photos without a session. A request is
// trusted only once its signature over the timestamp and the raw body checks out, it is fresh
// (5 minutes) and it was not seen before; only then is the body parsed, and the photo takes the
// same pipeline as an upload, owned by the source's account.
import { createWriteStream } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import type { Readable } from 'node:stream';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { AppError, errors } from '../../errors.js';
import type { Db } from '../../ports/db.js';
import { enforceRate, type RateLimiter } from '../../ports/rate-limit.js';
import { LIMITS, type Photo } from '../../shared/api.js';
import { findUserById } from '../accounts/accounts.repo.js';
import { toViewer } from '../accounts/sessions.js';
import type { PhotosService } from '../photos/photos.service.js';
import { parseMultipartFile } from './ingest.multipart.js';
import { findSource, markSeen, type SourceRow } from './ingest.repo.js';
import { decryptSecret, parseSignature, sameSignature, signer } from './ingest.secrets.js';

export const INGEST_LIMITS = {
  /** How far X-Timestamp may be from the server's clock, either way; signatures are remembered twice as long. */
  windowMs: 5 * 60_000,
  /** The whole multipart body: the photo's limit and room for the form around it. */
  bodyMaxBytes: LIMITS.uploadMaxBytes + 1024 * 1024,
  perSource: { limit: 120, windowMs: 60_000 },
} as const;

export const SOURCE_NAME = /^[a-z0-9_]{3,30}$/;

const refused = (code: string, message: string) => new AppError(code, 401, message);

export interface IngestHeaders {
  source?: string;
  timestamp?: string;
  signature?: string;
}

interface Checked {
  source: SourceRow;
  secret: string;
  timestamp: string;
  signature: Buffer;
}

export class IngestService {
  constructor(
    private readonly deps: { db: Db; limiter: RateLimiter; photos: PhotosService; sessionSecret: string; tmpDir: string; now?: () => number },
  ) {}

  /** Everything a request's headers can settle, before a byte of its body is read. */
  async check(h: IngestHeaders): Promise<Checked> {
    const signature = parseSignature(h.signature);
    if (!h.source || !h.timestamp || !signature) {
      throw refused('SIGNATURE_REQUIRED', 'Sign the request: X-Source, X-Timestamp and X-Signature-256: sha256=<hex HMAC-SHA256 of timestamp "." body>.');
    }
    if (!/^\d{1,12}$/.test(h.timestamp) || Math.abs(Number(h.timestamp) * 1000 - (this.deps.now ?? Date.now)()) > INGEST_LIMITS.windowMs) {
      throw refused('STALE_TIMESTAMP', 'X-Timestamp must be the current Unix time in seconds, within 5 minutes of the server’s clock.');
    }
    const source = SOURCE_NAME.test(h.source) ? await findSource(this.deps.db, h.source) : null;
    const secret = source && decryptSecret(source.secret_enc, this.deps.sessionSecret);
    if (!source || !secret) throw refused('UNKNOWN_SOURCE', 'No ingest source has that name (or it was removed).');
    await enforceRate(this.deps.limiter, `ingest:${source.id}`, INGEST_LIMITS.perSource);
    return { source, secret, timestamp: h.timestamp, signature };
  }

  /**
   * Keeps the raw body on disk while its HMAC is computed, checks the signature (in constant time)
   * and that it is new, then parses it and accepts the photo.
   */
  async receive(checked: Checked, body: Readable, contentType: string | undefined): Promise<Photo> {
    const bodyPath = join(this.deps.tmpDir, `${randomBytes(12).toString('hex')}.ingest-body`);
    try {
      const mac = signer(checked.secret, checked.timestamp);
      let size = 0;
      const meter = new Transform({
        transform(chunk: Buffer, _enc, done) {
          size += chunk.length;
          if (size > INGEST_LIMITS.bodyMaxBytes) return done(errors.tooLarge(`Photos are at most ${LIMITS.uploadMaxBytes / 1024 / 1024} MB.`));
          mac.update(chunk);
          done(null, chunk);
        },
      });
      try {
        await pipeline(body, meter, createWriteStream(bodyPath, { flags: 'wx' }));
      } catch (err) {
        if (err instanceof AppError) throw err;
        throw errors.badRequest('The request body was cut off.');
      }
      if (!sameSignature(mac.digest(), checked.signature)) {
        throw refused('BAD_SIGNATURE', 'The signature does not match the body: sign X-Timestamp + "." + the exact bytes sent, with the source’s secret.');
      }
      if (!(await markSeen(this.deps.db, checked.signature.toString('hex'), INGEST_LIMITS.windowMs))) {
        throw refused('REPLAYED', 'This signed request was received already.');
      }
      if (!contentType?.toLowerCase().startsWith('multipart/form-data')) throw errors.unsupportedType('Send the photo as multipart/form-data with a `file` field.');
      const upload = await parseMultipartFile(bodyPath, contentType, this.deps.tmpDir);
      try {
        const owner = await findUserById(this.deps.db, checked.source.user_id);
        if (!owner) throw refused('UNKNOWN_SOURCE', 'The source’s account is gone.');
        upload.fields.city ??= checked.source.city_slug ?? undefined;
        return await this.deps.photos.accept(toViewer(owner, new Set()), upload);
      } finally {
        await upload.discard();
      }
    } finally {
      await rm(bodyPath, { force: true });
    }
  }
}

// S3-compatible blob store (AWS S3, MinIO, Garage, Ceph, R2…), so the processes of a cluster share
// photos without a shared volume. Keys are content addresses: an object is written once and never
// changes, so plain PutObject is enough (no versioning, no locking).
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { DeleteObjectCommand, GetObjectCommand, HeadBucketCommand, HeadObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { CONTENT_TYPES, isBlobKey, type BlobExtension, type BlobInfo, type BlobStore } from '../../ports/blobs.js';

export interface S3BlobStoreOptions {
  bucket: string;
  /** For stores other than AWS; AWS picks the endpoint from the region. */
  endpoint?: string | undefined;
  region: string;
  /** Neither: the SDK's default chain (AWS_* variables, instance or pod role). */
  accessKeyId?: string | undefined;
  secretAccessKey?: string | undefined;
  /** `endpoint/bucket/key` instead of `bucket.endpoint/key`: what most self-hosted stores expect. */
  forcePathStyle?: boolean | undefined;
  /** Lets several stores share a bucket, e.g. `media/` and `uploads/`. */
  prefix?: string | undefined;
}

/** A stream cannot be rewound, so the SDK does not retry a put from a file; this store reopens the file instead. */
const FILE_PUT_ATTEMPTS = 3;

export class S3BlobStore implements BlobStore {
  private readonly client: S3Client;
  private readonly bucket: string;
  private readonly prefix: string;
  private readonly where: string;

  constructor(options: S3BlobStoreOptions) {
    const prefix = options.prefix ?? '';
    // Segments never start with a dot, so a prefix cannot read like a path out of another's ("../uploads").
    if (prefix !== '' && !/^(?:[\w-][\w.-]*\/)*[\w-][\w.-]*\/?$/.test(prefix)) {
      throw new Error(`invalid S3 key prefix: ${prefix}`);
    }
    this.prefix = prefix === '' || prefix.endsWith('/') ? prefix : `${prefix}/`;
    this.bucket = options.bucket;
    this.where = `bucket "${options.bucket}" at ${options.endpoint ?? `AWS S3 (${options.region})`}`;
    this.client = new S3Client({
      region: options.region,
      endpoint: options.endpoint,
      forcePathStyle: options.forcePathStyle ?? false,
      credentials:
        options.accessKeyId && options.secretAccessKey ? { accessKeyId: options.accessKeyId, secretAccessKey: options.secretAccessKey } : undefined,
      // The SDK's default since 2025 sends streamed bodies as aws-chunked with a trailing checksum,
      // which many S3-compatible servers store verbatim (framing included) or refuse. Checksums
      // only where an operation requires them keeps every store byte-exact.
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
      // An unreachable endpoint should fail the start (HeadBucket) and requests, not hang them.
      requestHandler: { connectionTimeout: 5_000, requestTimeout: 60_000 },
    });
  }

  /** Fails with a sentence an operator can act on when the bucket is missing or out of reach. Never creates it. */
  async checkBucket(): Promise<void> {
    try {
      await this.client.send(new HeadBucketCommand({ Bucket: this.bucket }));
    } catch (err) {
      const status = statusOf(err);
      if (status === 404) throw new Error(`${this.where} does not exist; create it first (Strobe never creates buckets)`);
      if (status === 401 || status === 403) throw new Error(`access to ${this.where} was denied; check S3_ACCESS_KEY_ID and S3_SECRET_ACCESS_KEY, and that they may s3:ListBucket (HeadBucket needs it) as well as get, put and delete objects`);
      throw new Error(`cannot reach ${this.where}: ${(err as Error).message || (err as Error).name}`);
    }
  }

  async put(key: string, source: Buffer | { path: string }): Promise<void> {
    const params = { Bucket: this.bucket, Key: this.objectKey(key), ContentType: contentTypeOf(key) };
    if (Buffer.isBuffer(source)) {
      await this.client.send(new PutObjectCommand({ ...params, Body: source, ContentLength: source.length }));
      return;
    }
    // Photos are at most 25 MB, far under the 5 GB of one PutObject: no multipart upload needed.
    const { size } = await stat(source.path);
    for (let attempt = 1; ; attempt++) {
      const body = createReadStream(source.path);
      try {
        await this.client.send(new PutObjectCommand({ ...params, Body: body, ContentLength: size }));
        return;
      } catch (err) {
        if (attempt >= FILE_PUT_ATTEMPTS || !transient(err)) throw err;
        await sleep(100 * 4 ** attempt);
      } finally {
        body.destroy();
      }
    }
  }

  async get(key: string): Promise<(BlobInfo & { body: Readable }) | null> {
    const Key = this.objectKey(key);
    try {
      const res = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key }));
      if (!(res.Body instanceof Readable)) throw new Error('the S3 client returned a body that is not a Node stream');
      return { size: res.ContentLength ?? 0, contentType: contentTypeOf(key), body: res.Body };
    } catch (err) {
      if (missing(err)) return null;
      throw err;
    }
  }

  async stat(key: string): Promise<BlobInfo | null> {
    const Key = this.objectKey(key);
    try {
      const res = await this.client.send(new HeadObjectCommand({ Bucket: this.bucket, Key }));
      return { size: res.ContentLength ?? 0, contentType: contentTypeOf(key) };
    } catch (err) {
      if (missing(err)) return null;
      throw err;
    }
  }

  async delete(key: string): Promise<void> {
    const Key = this.objectKey(key);
    try {
      await this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key }));
    } catch (err) {
      // S3 answers 204 for a missing key; some compatible stores answer 404.
      if (!missing(err)) throw err;
    }
  }

  async presign(key: string, method: 'GET' | 'PUT', expiresInS: number): Promise<string> {
    const params = { Bucket: this.bucket, Key: this.objectKey(key) };
    const command = method === 'GET' ? new GetObjectCommand(params) : new PutObjectCommand({ ...params, ContentType: contentTypeOf(key) });
    return getSignedUrl(this.client, command, { expiresIn: expiresInS });
  }

  /** Closes the pooled connections. */
  close(): void {
    this.client.destroy();
  }

  private objectKey(key: string): string {
    if (!isBlobKey(key)) throw new Error('invalid blob key');
    return this.prefix + key;
  }
}

function contentTypeOf(key: string): string {
  return CONTENT_TYPES[key.slice(key.lastIndexOf('.') + 1) as BlobExtension];
}

function statusOf(err: unknown): number | undefined {
  return (err as { $metadata?: { httpStatusCode?: number } } | null)?.$metadata?.httpStatusCode;
}

/** A missing object, not a missing bucket: that is a misconfiguration, which must not read as "no such photo". */
function missing(err: unknown): boolean {
  const name = (err as Error | null)?.name;
  return name === 'NoSuchKey' || name === 'NotFound' || (statusOf(err) === 404 && name !== 'NoSuchBucket');
}

function transient(err: unknown): boolean {
  const status = statusOf(err);
  return status === undefined || status === 429 || status >= 500 || (err as { $retryable?: unknown }).$retryable !== undefined;
}

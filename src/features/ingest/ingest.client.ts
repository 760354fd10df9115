// The client side of signed ingest, for `strobe ingest watch` and for tests: a multipart body built
// in memory (the signature covers its exact bytes) and the signed POST.
import { randomBytes } from 'node:crypto';
import { sign } from './ingest.secrets.js';

export interface IngestPhoto {
  file: Buffer;
  filename: string;
  caption?: string;
  city?: string;
}

const TYPES: Record<string, string> = { jpg: 'image/jpeg', jpeg: 'image/jpeg', png: 'image/png', webp: 'image/webp', avif: 'image/avif', gif: 'image/gif' };

/** Only the extension picks the part's type; the server sniffs the bytes anyway. */
export function typeOf(filename: string): string {
  return TYPES[filename.slice(filename.lastIndexOf('.') + 1).toLowerCase()] ?? 'application/octet-stream';
}

export function multipartBody(photo: IngestPhoto): { body: Buffer; contentType: string } {
  const boundary = `strobe-${randomBytes(12).toString('hex')}`;
  const parts: Buffer[] = [];
  const field = (name: string, value: string) =>
    parts.push(Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`));
  if (photo.caption !== undefined) field('caption', photo.caption);
  if (photo.city !== undefined) field('city', photo.city);
  // The file name is informative only; quotes and line breaks in it would break the header.
  const filename = photo.filename.replace(/["\r\n\\]/g, '_');
  parts.push(Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="${filename}"\r\nContent-Type: ${typeOf(filename)}\r\n\r\n`));
  parts.push(photo.file, Buffer.from(`\r\n--${boundary}--\r\n`));
  return { body: Buffer.concat(parts), contentType: `multipart/form-data; boundary=${boundary}` };
}

export interface SignedRequest {
  headers: Record<string, string>;
  body: Buffer;
}

export function signedIngest(source: string, secret: string, photo: IngestPhoto, now = Date.now()): SignedRequest {
  const { body, contentType } = multipartBody(photo);
  const timestamp = String(Math.floor(now / 1000));
  return {
    body,
    headers: { 'content-type': contentType, 'x-source': source, 'x-timestamp': timestamp, 'x-signature-256': sign(secret, timestamp, body) },
  };
}

/** POSTs one photo to `${url}/api/ingest`; resolves with the status and the parsed reply. */
export async function postIngest(url: string, req: SignedRequest): Promise<{ status: number; body: unknown }> {
  const res = await fetch(new URL('/api/ingest', url), { method: 'POST', headers: req.headers, body: new Uint8Array(req.body), signal: AbortSignal.timeout(60_000) });
  const text = await res.text();
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    // not JSON: kept as text
  }
  return { status: res.status, body };
}

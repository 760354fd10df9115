// Ingest secrets and request signatures. A source's secret is shown once and stored sealed
// (crypto/sealed.ts), because checking an HMAC needs the secret itself. Signatures are
// `sha256=<hex HMAC-SHA256(secret, X-Timestamp + "." + raw body)>`.
import { createHmac, randomBytes, timingSafeEqual, type Hmac } from 'node:crypto';
import { seal, unseal } from '../../crypto/sealed.js';

export function newSecret(): string {
  return `ingest_${randomBytes(32).toString('base64url')}`;
}

export const encryptSecret = (secret: string, sessionSecret: string) => seal(secret, sessionSecret, 'ingest');
export const decryptSecret = (stored: string, sessionSecret: string) => unseal(stored, sessionSecret, 'ingest');

/** An HMAC that the body is fed into as it streams; the timestamp and the dot go first. */
export function signer(secret: string, timestamp: string): Hmac {
  return createHmac('sha256', secret).update(`${timestamp}.`);
}

/** The header value for a whole body (clients and tests). */
export function sign(secret: string, timestamp: string, body: Buffer): string {
  return `sha256=${signer(secret, timestamp).update(body).digest('hex')}`;
}

const SIGNATURE = /^sha256=([0-9a-f]{64})$/;

/** The 32 bytes a well-formed header carries, or null. */
export function parseSignature(header: string | undefined): Buffer | null {
  const m = header === undefined ? null : SIGNATURE.exec(header);
  return m ? Buffer.from(m[1]!, 'hex') : null;
}

/** Constant time, whatever the bytes. */
export function sameSignature(a: Buffer, b: Buffer): boolean {
  return a.length === b.length && timingSafeEqual(a, b);
}

// Secrets Strobe must be able to read back (an ingest source's, to check its HMACs; a webhook
// endpoint's, to sign deliveries), sealed with AES-256-GCM under a key derived from SESSION_SECRET
// for one purpose each, so a database dump alone reveals none of them.
import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';

function keyFrom(sessionSecret: string, purpose: string): Buffer {
  return Buffer.from(hkdfSync('sha256', sessionSecret, `strobe-${purpose}`, `strobe ${purpose} secrets v1`, 32));
}

/** `v1.<iv>.<tag>.<ciphertext>`, base64url. */
export function seal(secret: string, sessionSecret: string, purpose: string): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', keyFrom(sessionSecret, purpose), iv);
  const data = Buffer.concat([cipher.update(secret, 'utf8'), cipher.final()]);
  return ['v1', iv.toString('base64url'), cipher.getAuthTag().toString('base64url'), data.toString('base64url')].join('.');
}

/** Null when it was sealed under another SESSION_SECRET or purpose, or tampered with. */
export function unseal(stored: string, sessionSecret: string, purpose: string): string | null {
  const [version, iv, tag, data] = stored.split('.');
  if (version !== 'v1' || !iv || !tag || data === undefined) return null;
  try {
    const decipher = createDecipheriv('aes-256-gcm', keyFrom(sessionSecret, purpose), Buffer.from(iv, 'base64url'));
    decipher.setAuthTag(Buffer.from(tag, 'base64url'));
    return Buffer.concat([decipher.update(Buffer.from(data, 'base64url')), decipher.final()]).toString('utf8');
  } catch {
    return null;
  }
}

// Device cookies (OWASP's scheme against lock-out): a browser that has signed in to an account gets
// a signed `userId.nonce.mac` cookie, and a correct password from it is not held back by the
// per-username budget that guesses from everywhere else exhaust. Nothing is stored on the server.
import { createHmac, hkdfSync, randomBytes, timingSafeEqual } from 'node:crypto';

export const DEVICE_COOKIE = 'strobe_device';
/** A year: a device stays known for as long as people expect a browser to remember them. */
export const DEVICE_COOKIE_MAX_AGE_S = 365 * 24 * 3600;

const NONCE_BYTES = 16;
const MAC_BYTES = 32;
const SHAPE = /^(\d{1,18})\.([\w-]{22})\.([\w-]{43})$/;

export interface Device {
  userId: string;
  /** Names this device in its own failure counter. */
  nonce: string;
}

export class DeviceCookies {
  private readonly key: Buffer;

  constructor(secret: string) {
    // A key of its own: nothing signed with the session secret elsewhere can pass as a device MAC.
    this.key = Buffer.from(hkdfSync('sha256', secret, 'strobe', 'device cookie v1', MAC_BYTES));
  }

  issue(userId: string): string {
    const nonce = randomBytes(NONCE_BYTES).toString('base64url');
    return `${userId}.${nonce}.${this.mac(userId, nonce).toString('base64url')}`;
  }

  /** The device behind a cookie value if it was issued by this instance's secret to `userId`, else null. */
  verify(value: string | undefined, userId: string): Device | null {
    const m = value === undefined ? null : SHAPE.exec(value);
    if (!m || m[1] !== userId) return null;
    const given = Buffer.from(m[3]!, 'base64url');
    const expected = this.mac(userId, m[2]!);
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) return null;
    return { userId, nonce: m[2]! };
  }

  private mac(userId: string, nonce: string): Buffer {
    return createHmac('sha256', this.key).update(`${userId}.${nonce}`).digest();
  }
}

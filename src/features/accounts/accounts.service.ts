// Register, log in, log out. Passwords are hashed with argon2id; the session id rotates at login.
import { hash, verify } from '@node-rs/argon2';
import { errors } from '../../errors.js';
import type { Db } from '../../ports/db.js';
import type { RateLimiter, RateRule } from '../../ports/rate-limit.js';
import { LIMITS } from '../../shared/api.js';
import { findUserByUsername, hasAdmin, insertUser } from './accounts.repo.js';
import { addressBucket, isLocalRequest, type ForwardingHeaders } from './client-address.js';
import { DeviceCookies } from './device-cookie.js';
import { toViewer, type Sessions } from './sessions.js';
import type { Viewer } from './viewer.js';

const MINUTE = 60_000;
const USERNAME = new RegExp(LIMITS.usernamePattern);

/**
 * Guessing is throttled where it comes from, so that nobody can lock an account out:
 * - per address, every attempt: spraying many accounts from one place;
 * - per account and address (or per account and device cookie), attempts until one succeeds:
 *   guessing one password from one place, without touching the account's other clients;
 * - per account, attempts from clients that never signed in to it: guessing from many addresses.
 *   Exhausting it stops guesses from everywhere, while the account's owner still signs in from a
 *   browser that holds the account's device cookie.
 */
export const ACCOUNT_LIMITS = {
  loginPerIp: { limit: 30, windowMs: 5 * MINUTE },
  loginPerUsernameAndIp: { limit: 10, windowMs: 15 * MINUTE },
  loginPerUsernameAndDevice: { limit: 10, windowMs: 15 * MINUTE },
  loginPerUsername: { limit: 50, windowMs: 60 * MINUTE },
  registerPerIp: { limit: 30, windowMs: 10 * MINUTE },
} as const;

/** Where a sign-in comes from. */
export interface Client {
  /** req.ip: the socket's address, or the forwarded one behind a trusted proxy. */
  ip: string;
  headers: ForwardingHeaders;
  /** The device cookie the browser sent, if any. */
  device?: string | undefined;
  /** The session cookie the browser came with; it ends at sign-in. */
  previousSid?: string | undefined;
}

export interface AccountsDeps {
  db: Db;
  sessions: Sessions;
  limiter: RateLimiter;
  adminUsers: ReadonlySet<string>;
}

export interface SignedIn {
  viewer: Viewer;
  sid: string;
  /** A fresh device cookie for the account: this browser has now signed in to it. */
  device: string;
  /** Whether the session the browser came with was live and ended: only then are its sockets told. */
  endedPrevious: boolean;
}

export class AccountsService {
  /** Verified against when the username is unknown, so timing does not reveal which usernames exist. */
  private readonly decoy: Promise<string> = hash('strobe-decoy-password');
  private readonly devices: DeviceCookies;

  constructor(private readonly deps: AccountsDeps) {
    this.devices = new DeviceCookies(deps.sessions.secret);
  }

  async register(username: string, password: string, client: Client): Promise<SignedIn> {
    await this.limit(`register:ip:${addressBucket(client.ip)}`, ACCOUNT_LIMITS.registerPerIp, (wait) =>
      `Too many accounts were registered from your network. Try again in ${wait}.`,
    );
    const firstAdmin = isLocalRequest(client.ip, client.headers);
    const row = await insertUser(this.deps.db, username, await hash(password), { firstAdmin, adminUsers: this.deps.adminUsers });
    if (!row) throw errors.usernameTaken();
    return this.signIn(toViewer(row, this.deps.adminUsers), client.previousSid);
  }

  async login(username: string, password: string, client: Client): Promise<SignedIn> {
    const where = addressBucket(client.ip);
    // Login takes any string as a username (a lone surrogate, a NUL): as base64url of its bytes it
    // is a key part that cannot run into the address, and cannot make the key fail to build.
    const name = Buffer.from(username).toString('base64url');
    await this.limit(`login:ip:${where}`, ACCOUNT_LIMITS.loginPerIp, (wait) =>
      `Too many sign-in attempts from your network. Try again in ${wait}.`,
    );
    // A name no account can have is not looked up (PostgreSQL refuses a NUL); the decoy still runs.
    const row = USERNAME.test(username) ? await findUserByUsername(this.deps.db, username) : null;
    const device = row && this.devices.verify(client.device, row.id);
    let failures: string;
    if (device) {
      failures = `login:device:${device.userId}:${device.nonce}`;
      await this.limit(failures, ACCOUNT_LIMITS.loginPerUsernameAndDevice, (wait) =>
        `Too many wrong passwords for this account on this device. Try again in ${wait}.`,
      );
    } else {
      failures = `login:user-ip:${name}:${where}`;
      await this.limit(failures, ACCOUNT_LIMITS.loginPerUsernameAndIp, (wait) =>
        `Too many wrong passwords for this account from your network. Try again in ${wait}, or sign in on a device you have used for this account before.`,
      );
      // Not reset by a success: the account's owner signing in must not refill a guesser's budget.
      await this.limit(`login:user:${name}`, ACCOUNT_LIMITS.loginPerUsername, (wait) =>
        `This account has had too many failed sign-ins, so new devices cannot sign in to it for ${wait}. Sign in on a device you have used for this account before, or try again later.`,
      );
    }
    const ok = await verify(row?.password_hash ?? (await this.decoy), password).catch(() => false);
    if (!row || !ok) throw errors.badCredentials();
    await this.deps.limiter.reset(failures);
    return this.signIn(toViewer(row, this.deps.adminUsers), client.previousSid);
  }

  /** True when a live session ended. */
  async logout(sid: string | undefined): Promise<boolean> {
    return this.deps.sessions.close(sid);
  }

  /** What a visitor may know about the instance before signing in. */
  async instance(): Promise<{ hasAdmin: boolean }> {
    return { hasAdmin: await hasAdmin(this.deps.db, this.deps.adminUsers) };
  }

  /** A fresh session id at every sign-in: a session fixed before login is worthless after it. */
  private async signIn(viewer: Viewer, previousSid: string | undefined): Promise<SignedIn> {
    const endedPrevious = await this.deps.sessions.close(previousSid);
    return { viewer, sid: await this.deps.sessions.open(viewer.id), device: this.devices.issue(viewer.id), endedPrevious };
  }

  /** Counts a hit and throws RATE_LIMITED, with a message that says what to do, over the rule. */
  private async limit(key: string, rule: RateRule, message: (wait: string) => string): Promise<void> {
    const d = await this.deps.limiter.hit(key, rule);
    if (!d.allowed) throw errors.rateLimitedWith(d.retryAfterMs, message(humanWait(d.retryAfterMs)));
  }
}

/** "40 s", "14 min", "1 h": rounded up, so nobody retries too early. */
function humanWait(ms: number): string {
  const s = Math.max(1, Math.ceil(ms / 1000));
  if (s < 90) return `${s} s`;
  const min = Math.ceil(s / 60);
  return min < 90 ? `${min} min` : `${Math.ceil(min / 60)} h`;
}

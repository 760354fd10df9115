// Register, log in, log out. Passwords are hashed with argon2id; the session id rotates at login.
// REGISTRATION decides who may register: anyone, holders of an invite link, or nobody; the first
// admin's seat (the first account from the machine itself) is open in every mode.
import { hash, verify } from '@node-rs/argon2';
import { AppError, errors } from '../../errors.js';
import type { Db } from '../../ports/db.js';
import type { RateLimiter, RateRule } from '../../ports/rate-limit.js';
import { LIMITS } from '../../shared/api.js';
import type { RegistrationMode } from '../../shared/community.js';
import { claimInvite, INVITE_TOKEN_SHAPE } from '../invites/invites.repo.js';
import { findUserByUsername, hasAdmin, insertUser, takesAdminSeat } from './accounts.repo.js';
import { addressBucket, isLocalRequest, type ForwardingHeaders } from './client-address.js';
import { DeviceCookies } from './device-cookie.js';
import { recordEvent } from '../events/events.js';
import { publicUser } from '../profiles/public-user.js';
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

export const registrationErrors = {
  closed: () =>
    new AppError('REGISTRATION_CLOSED', 403, 'Registration is closed on this Strobe: nobody can create an account here right now. If you have one, log in.'),
  inviteRequired: () =>
    new AppError('INVITE_REQUIRED', 403, 'This Strobe is invite-only: you need an invite link from one of its admins to create an account.'),
  inviteInvalid: () =>
    new AppError('INVITE_INVALID', 403, 'This invite link does not work: it was used up, it expired or it was revoked. Ask for a new one.'),
} as const;

/** 403 SUSPENDED, saying until when: ISO 8601 for programs, words for people. `until` null: indefinitely. */
export function suspendedError(until: Date | null): AppError {
  if (until === null) return new AppError('SUSPENDED', 403, 'Your account is suspended indefinitely, so you cannot sign in.');
  const human = new Intl.DateTimeFormat('en-GB', { dateStyle: 'full', timeStyle: 'short', timeZone: 'UTC' }).format(until);
  return new AppError('SUSPENDED', 403, `Your account is suspended until ${until.toISOString()} (${human} UTC), so you cannot sign in before then.`);
}

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
  registration: RegistrationMode;
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

  /**
   * `invite` is the token of an invite link: required when REGISTRATION=invite, ignored when it is
   * open (nothing to count; a stale link must not stop anyone), refused with the rest when closed.
   */
  async register(username: string, password: string, client: Client, invite?: string): Promise<SignedIn> {
    const { db, adminUsers, registration } = this.deps;
    await this.limit(`register:ip:${addressBucket(client.ip)}`, ACCOUNT_LIMITS.registerPerIp, (wait) =>
      `Too many accounts were registered from your network. Try again in ${wait}.`,
    );
    const local = isLocalRequest(client.ip, client.headers);
    // What can be refused without hashing the password is refused first; the transaction decides.
    if (registration !== 'open' && !(local && !(await hasAdmin(db, adminUsers)))) this.admissible(invite);
    const passwordHash = await hash(password);
    const row = await db.tx(async (q) => {
      const admin = await takesAdminSeat(q, local, adminUsers);
      let inviteId: string | null = null;
      if (!admin && registration !== 'open') {
        this.admissible(invite);
        inviteId = await claimInvite(q, invite!);
        if (!inviteId) throw registrationErrors.inviteInvalid();
      }
      const inserted = await insertUser(q, { username, passwordHash, admin, inviteId });
      // Thrown inside the transaction: the invite's use is not counted for an account not made.
      if (!inserted) throw errors.usernameTaken();
      await recordEvent(q, 'user.registered', { user: publicUser(inserted) });
      return inserted;
    });
    return this.signIn(toViewer(row, adminUsers), client.previousSid);
  }

  /** Refuses, by REGISTRATION, a registration that does not take the first admin's seat. */
  private admissible(invite: string | undefined): void {
    if (this.deps.registration === 'closed') throw registrationErrors.closed();
    if (this.deps.registration === 'invite') {
      if (invite === undefined || invite === '') throw registrationErrors.inviteRequired();
      if (!INVITE_TOKEN_SHAPE.test(invite)) throw registrationErrors.inviteInvalid();
    }
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
    // Said only to whoever knows the password: a guesser learns nothing about the account.
    if (row.suspended) throw suspendedError(row.suspended_until);
    return this.signIn(toViewer(row, this.deps.adminUsers), client.previousSid);
  }

  /** True when a live session ended. */
  async logout(sid: string | undefined): Promise<boolean> {
    return this.deps.sessions.close(sid);
  }

  /** What a visitor may know about the instance before signing in. */
  async instance(): Promise<{ hasAdmin: boolean; registration: RegistrationMode }> {
    return { hasAdmin: await hasAdmin(this.deps.db, this.deps.adminUsers), registration: this.deps.registration };
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

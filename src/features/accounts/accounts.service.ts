// Register, log in, log out. Passwords are hashed with argon2id; the session id rotates at login.
import { hash, verify } from '@node-rs/argon2';
import { errors } from '../../errors.js';
import type { Db } from '../../ports/db.js';
import { enforceRate, type RateLimiter } from '../../ports/rate-limit.js';
import { findUserByUsername, insertUser } from './accounts.repo.js';
import { toViewer, type Sessions } from './sessions.js';
import type { Viewer } from './viewer.js';

export const ACCOUNT_LIMITS = {
  loginPerIp: { limit: 30, windowMs: 5 * 60_000 },
  loginPerUsername: { limit: 10, windowMs: 5 * 60_000 },
  registerPerIp: { limit: 30, windowMs: 10 * 60_000 },
} as const;

export interface AccountsDeps {
  db: Db;
  sessions: Sessions;
  limiter: RateLimiter;
  adminUsers: ReadonlySet<string>;
}

export interface SignedIn {
  viewer: Viewer;
  sid: string;
}

export class AccountsService {
  /** Verified against when the username is unknown, so timing does not reveal which usernames exist. */
  private readonly decoy: Promise<string> = hash('strobe-decoy-password');

  constructor(private readonly deps: AccountsDeps) {}

  async register(username: string, password: string, ip: string, previousSid?: string): Promise<SignedIn> {
    await enforceRate(this.deps.limiter, `register:ip:${ip}`, ACCOUNT_LIMITS.registerPerIp);
    const row = await insertUser(this.deps.db, username, await hash(password));
    if (!row) throw errors.usernameTaken();
    return this.signIn(toViewer(row, this.deps.adminUsers), previousSid);
  }

  async login(username: string, password: string, ip: string, previousSid?: string): Promise<SignedIn> {
    await enforceRate(this.deps.limiter, `login:ip:${ip}`, ACCOUNT_LIMITS.loginPerIp);
    await enforceRate(this.deps.limiter, `login:user:${username}`, ACCOUNT_LIMITS.loginPerUsername);
    const row = await findUserByUsername(this.deps.db, username);
    const ok = await verify(row?.password_hash ?? (await this.decoy), password).catch(() => false);
    if (!row || !ok) throw errors.badCredentials();
    await this.deps.limiter.reset(`login:user:${username}`);
    return this.signIn(toViewer(row, this.deps.adminUsers), previousSid);
  }

  async logout(sid: string | undefined): Promise<void> {
    await this.deps.sessions.close(sid);
  }

  /** A fresh session id at every sign-in: a session fixed before login is worthless after it. */
  private async signIn(viewer: Viewer, previousSid: string | undefined): Promise<SignedIn> {
    await this.deps.sessions.close(previousSid);
    return { viewer, sid: await this.deps.sessions.open(viewer.id) };
  }

}

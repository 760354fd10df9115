// `strobe admin create|grant|revoke USERNAME`: admins are made by whoever runs Strobe, on its
// machine, with no HTTP endpoint for anyone else to try. A role change also reaches the running
// instances, whose open connections otherwise keep the rights of their handshake.
import { randomBytes } from 'node:crypto';
import { hash } from '@node-rs/argon2';
import type { Adapters } from '../../adapters/index.js';
import type { Config } from '../../config.js';
import { SESSIONS_STREAM } from '../../realtime/socket-sessions.js';
import { LIMITS } from '../../shared/api.js';

export const ADMIN_USAGE = 'usage: strobe admin create|grant|revoke <username> (see strobe --help)';

const USERNAME = new RegExp(LIMITS.usernamePattern);

export interface AdminCliContext {
  config: Config;
  /** STROBE_ADMIN_PASSWORD is read from here. */
  env: Readonly<Record<string, string | undefined>>;
  /** Opens the deployment's adapters (the database, and the bus that tells the running instances). */
  open(config: Config): Promise<Adapters>;
  out(line: string): void;
  err(line: string): void;
  /** Asks for a line without echoing it; absent when there is no terminal to ask on. */
  askHidden?: (prompt: string) => Promise<string>;
}

/** Runs one admin command; resolves with the exit code. */
export async function runAdmin(args: readonly string[], ctx: AdminCliContext): Promise<number> {
  const [action, username, ...extra] = args;
  if ((action !== 'create' && action !== 'grant' && action !== 'revoke') || !username || extra.length > 0) {
    ctx.err(ADMIN_USAGE);
    return 2;
  }
  if (!USERNAME.test(username)) {
    ctx.err(`strobe: "${username.slice(0, 60)}" is not a username: 3 to 30 lowercase letters, digits and underscores`);
    return 1;
  }
  // Asked and hashed before the database is opened: an embedded data dir stays locked meanwhile.
  let created: { passwordHash: string; shown: string | null } | undefined;
  if (action === 'create') {
    const chosen = await choosePassword(username, ctx);
    if (typeof chosen === 'number') return chosen;
    created = { passwordHash: await hash(chosen.password), shown: chosen.generated ? chosen.password : null };
  }
  const adapters = await ctx.open(ctx.config);
  try {
    if (created) return await create(adapters, username, created, ctx);
    return await setAdmin(adapters, username, action === 'grant', ctx);
  } finally {
    await adapters.close();
  }
}

async function choosePassword(username: string, ctx: AdminCliContext): Promise<{ password: string; generated: boolean } | number> {
  const given = ctx.env.STROBE_ADMIN_PASSWORD;
  let password: string;
  if (given !== undefined && given !== '') {
    password = given;
  } else if (ctx.askHidden) {
    password = await ctx.askHidden(`Password for ${username}: `);
    if (password !== '' && (await ctx.askHidden('Same password again: ')) !== password) {
      ctx.err('strobe: the two passwords differ; nothing was created');
      return 1;
    }
  } else {
    return { password: randomBytes(18).toString('base64url'), generated: true };
  }
  const length = [...password].length; // as registration counts: characters, not UTF-16 units
  if (length < LIMITS.passwordMin || length > LIMITS.passwordMax) {
    ctx.err(`strobe: passwords are ${LIMITS.passwordMin} to ${LIMITS.passwordMax} characters long; nothing was created`);
    return 1;
  }
  return { password, generated: false };
}

async function create(adapters: Adapters, username: string, created: { passwordHash: string; shown: string | null }, ctx: AdminCliContext): Promise<number> {
  const [row] = await adapters.db.query<{ id: string }>(
    `insert into users (username, password_hash, is_admin) values ($1, $2, true) on conflict (username) do nothing returning id`,
    [username, created.passwordHash],
  );
  if (!row) {
    ctx.err(`strobe: the username ${username} is taken; \`strobe admin grant ${username}\` makes that account an admin`);
    return 1;
  }
  ctx.out(`strobe: created the admin account ${username}`);
  if (created.shown) ctx.out(`strobe: its password, shown only this once: ${created.shown}`);
  return 0;
}

async function setAdmin(adapters: Adapters, username: string, admin: boolean, ctx: AdminCliContext): Promise<number> {
  const [changed] = await adapters.db.query<{ id: string }>(
    'update users set is_admin = $2 where username = $1 and is_admin <> $2 returning id',
    [username, admin],
  );
  const stillByConfig = !admin && ctx.config.adminUsers.has(username);
  if (!changed) {
    const [exists] = await adapters.db.query('select 1 from users where username = $1', [username]);
    if (!exists) {
      ctx.err(`strobe: there is no account ${username}`);
      return 1;
    }
    ctx.out(`strobe: ${username} ${admin ? 'already is' : 'was not'} an admin`);
  } else {
    ctx.out(`strobe: ${username} ${admin ? 'is now an admin' : 'is no longer an admin'}`);
  }
  if (stillByConfig) ctx.err(`strobe: warning: ADMIN_USERS still names ${username}, so the account stays an admin until it is removed from ADMIN_USERS`);
  if (!changed) return 0;
  try {
    // Open connections keep the rights of their handshake: the running instances make them reconnect.
    await adapters.bus.publish(SESSIONS_STREAM, 'user.changed', { userId: changed.id });
  } catch (err) {
    ctx.err(`strobe: the running instances could not be told (${(err as Error).message}): ${username}'s open connections keep their rights until they reconnect`);
    return 1;
  }
  return 0;
}

/** Reads a line from the terminal without echoing it. Ctrl-C quits (nothing is open yet); Ctrl-D ends the line. */
export function askHiddenOnTerminal(prompt: string): Promise<string> {
  const { stdin, stderr } = process;
  stderr.write(prompt);
  stdin.setRawMode(true);
  stdin.setEncoding('utf8');
  stdin.resume();
  return new Promise((resolve) => {
    let value = '';
    const finish = (outcome: () => void) => {
      stdin.off('data', onData);
      stdin.setRawMode(false);
      stdin.pause();
      stderr.write('\n');
      outcome();
    };
    const onData = (chunk: string) => {
      for (const ch of chunk) {
        if (ch === '\r' || ch === '\n' || ch === '\u0004') return finish(() => resolve(value));
        if (ch === '\u0003') return finish(() => process.exit(130));
        if (ch === '\u007f' || ch === '\b') value = [...value].slice(0, -1).join('');
        else value += ch;
      }
    };
    stdin.on('data', onData);
  });
}

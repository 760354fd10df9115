// `strobe admin create|grant|revoke USERNAME [--role admin|moderator]`: the first admins are made by
// whoever runs Strobe, on its machine (admins then manage roles on the admin page too). A role change
// also reaches the running instances, whose open connections otherwise keep the rights of their
// handshake, and is written to the moderation audit log (with no actor: the machine's operator).
import { randomBytes } from 'node:crypto';
import { parseArgs } from 'node:util';
import { hash } from '@node-rs/argon2';
import type { Adapters } from '../../adapters/index.js';
import type { Config } from '../../config.js';
import { SESSIONS_STREAM } from '../../realtime/socket-sessions.js';
import { LIMITS } from '../../shared/api.js';
import { recordRoleChange, roleOf } from '../staff/staff.repo.js';

export const ADMIN_USAGE = 'usage: strobe admin create|grant|revoke <username> [--role admin|moderator] (grant and revoke; admin by default; see strobe --help)';

type CliRole = 'admin' | 'moderator';

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
  let parsed: { positionals: string[]; values: { role?: string | undefined } };
  try {
    parsed = parseArgs({ args: [...args], allowPositionals: true, strict: true, options: { role: { type: 'string' } } });
  } catch {
    ctx.err(ADMIN_USAGE);
    return 2;
  }
  const [action, username, ...extra] = parsed.positionals;
  const role = parsed.values.role ?? 'admin';
  if ((action !== 'create' && action !== 'grant' && action !== 'revoke') || !username || extra.length > 0) {
    ctx.err(ADMIN_USAGE);
    return 2;
  }
  if (role !== 'admin' && role !== 'moderator') {
    ctx.err(`strobe: --role is admin or moderator, not "${role.slice(0, 40)}"`);
    return 2;
  }
  if (action === 'create' && parsed.values.role !== undefined) {
    ctx.err('strobe: create makes an admin; make a moderator with `strobe admin grant USERNAME --role moderator` once the account exists');
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
    return await setRole(adapters, username, role, action === 'grant', ctx);
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

const ROLE_WORDS: Record<CliRole, { now: string; already: string; noLonger: string; wasNot: string }> = {
  admin: { now: 'is now an admin', already: 'already is an admin', noLonger: 'is no longer an admin', wasNot: 'was not an admin' },
  moderator: { now: 'is now a moderator', already: 'already is a moderator', noLonger: 'is no longer a moderator', wasNot: 'was not a moderator' },
};

async function setRole(adapters: Adapters, username: string, role: CliRole, grant: boolean, ctx: AdminCliContext): Promise<number> {
  const column = role === 'admin' ? 'is_admin' : 'is_moderator';
  const words = ROLE_WORDS[role];
  const changed = await adapters.db.tx(async (q) => {
    const [row] = await q.query<{ id: string; username: string; is_admin: boolean; is_moderator: boolean }>(
      `update users set ${column} = $2 where username = $1 and ${column} <> $2 returning id::text as id, username, is_admin, is_moderator`,
      [username, grant],
    );
    if (row) await recordRoleChange(q, null, row.id, roleOf(row, ctx.config.adminUsers));
    return row;
  });
  const stillByConfig = role === 'admin' && !grant && ctx.config.adminUsers.has(username);
  if (!changed) {
    const [exists] = await adapters.db.query('select 1 from users where username = $1', [username]);
    if (!exists) {
      ctx.err(`strobe: there is no account ${username}`);
      return 1;
    }
    ctx.out(`strobe: ${username} ${grant ? words.already : words.wasNot}`);
  } else {
    ctx.out(`strobe: ${username} ${grant ? words.now : words.noLonger}`);
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

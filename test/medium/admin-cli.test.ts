// `strobe admin create|grant|revoke` against an embedded data dir: accounts and roles change in the
// database, role changes go out on the bus, and a data dir a running Strobe holds is left alone.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { rmSync } from 'node:fs';
import { test, type TestContext } from 'node:test';
import { promisify } from 'node:util';
import { verify } from '@node-rs/argon2';
import { DataDirBusyError } from '../../src/adapters/db/pglite.js';
import { openAdapters } from '../../src/adapters/index.js';
import { loadConfig } from '../../src/config.js';
import { runAdmin, type AdminCliContext } from '../../src/features/accounts/admin.cli.js';
import { freshDataDir } from '../helpers/data-dir.js';
import { startServer } from '../helpers/server.js';

const ROOT = new URL('../..', import.meta.url).pathname;
const run = promisify(execFile);

interface Cli {
  dataDir: string;
  /** Runs one command in this process; `out` and `err` hold what it printed. */
  admin(args: string[], opts?: { env?: Record<string, string>; askHidden?: AdminCliContext['askHidden']; adminUsers?: string }): Promise<number>;
  out: string[];
  err: string[];
  /** Every bus event published by the commands. */
  published: { stream: string; type: string; data: unknown }[];
  /** Reads the database (with the data dir free again). */
  query<T>(sql: string, params?: unknown[]): Promise<T[]>;
}

async function cli(t: TestContext): Promise<Cli> {
  const dataDir = await freshDataDir();
  t.after(() => rmSync(dataDir, { recursive: true, force: true }));
  const c: Cli = {
    dataDir,
    out: [],
    err: [],
    published: [],
    async admin(args, opts = {}) {
      c.out.length = 0;
      c.err.length = 0;
      const config = loadConfig({ DATA_DIR: dataDir, LOG_LEVEL: 'silent', ...(opts.adminUsers ? { ADMIN_USERS: opts.adminUsers } : {}) });
      return runAdmin(args, {
        config,
        env: opts.env ?? {},
        askHidden: opts.askHidden,
        out: (line) => c.out.push(line),
        err: (line) => c.err.push(line),
        async open(cfg) {
          const adapters = await openAdapters(cfg);
          const publish = adapters.bus.publish.bind(adapters.bus);
          adapters.bus.publish = async (stream, type, data) => {
            c.published.push({ stream, type, data });
            return publish(stream, type, data);
          };
          return adapters;
        },
      });
    },
    async query<T>(sql: string, params: unknown[] = []) {
      const adapters = await openAdapters(loadConfig({ DATA_DIR: dataDir }));
      try {
        return await adapters.db.query<T>(sql, params);
      } finally {
        await adapters.close();
      }
    },
  };
  return c;
}

const user = async (c: Cli, username: string) =>
  (await c.query<{ id: string; is_admin: boolean; password_hash: string }>('select id, is_admin, password_hash from users where username = $1', [username]))[0];

test('create makes an admin account with an argon2id hash of STROBE_ADMIN_PASSWORD', async (t) => {
  const c = await cli(t);
  assert.equal(await c.admin(['create', 'alice'], { env: { STROBE_ADMIN_PASSWORD: 'correct horse battery' } }), 0, c.err.join('\n'));
  assert.deepEqual(c.out, ['strobe: created the admin account alice']);
  const row = await user(c, 'alice');
  assert.equal(row?.is_admin, true);
  assert.match(row!.password_hash, /^\$argon2id\$/);
  assert.ok(await verify(row!.password_hash, 'correct horse battery'));

  assert.equal(await c.admin(['create', 'alice'], { env: { STROBE_ADMIN_PASSWORD: 'another password' } }), 1);
  assert.match(c.err.join('\n'), /taken.*admin grant alice/);
  assert.ok(await verify((await user(c, 'alice'))!.password_hash, 'correct horse battery'), 'the account is untouched');
});

test('create validates like registration and creates nothing when refused', async (t) => {
  const c = await cli(t);
  for (const [name, password, problem] of [
    ['Alice', 'correct horse', /not a username/],
    ['al', 'correct horse', /not a username/],
    ['bob', 'short', /8 to 200/],
    ['bob', 'x'.repeat(201), /8 to 200/],
  ] as const) {
    assert.equal(await c.admin(['create', name], { env: { STROBE_ADMIN_PASSWORD: password } }), 1, `${name} / ${password.length}`);
    assert.match(c.err.join('\n'), problem);
  }
  assert.equal(await c.admin(['create', 'bob'], { env: { STROBE_ADMIN_PASSWORD: '😀'.repeat(8) } }), 0, 'counted in characters, as registration does');
  assert.equal(await c.admin(['create']), 2);
  assert.equal(await c.admin(['promote', 'bob']), 2);
  assert.match(c.err.join('\n'), /usage: strobe admin create\|grant\|revoke <username>/);
  assert.deepEqual(await c.query(`select username from users order by username`), [{ username: 'bob' }]);
});

test('without STROBE_ADMIN_PASSWORD, create asks on a terminal twice, else generates one and shows it once', async (t) => {
  const c = await cli(t);
  const answers = (...lines: string[]) => {
    const prompts: string[] = [];
    return { prompts, askHidden: async (prompt: string) => (prompts.push(prompt), lines.shift() ?? '') };
  };
  const typo = answers('correct horse', 'correct hose');
  assert.equal(await c.admin(['create', 'carol'], typo), 1);
  assert.match(c.err.join('\n'), /differ/);
  assert.equal(await user(c, 'carol'), undefined);

  const asked = answers('correct horse', 'correct horse');
  assert.equal(await c.admin(['create', 'carol'], asked), 0);
  assert.deepEqual(asked.prompts, ['Password for carol: ', 'Same password again: ']);
  assert.ok(await verify((await user(c, 'carol'))!.password_hash, 'correct horse'));
  assert.ok(!c.out.join('\n').includes('correct horse'), 'a chosen password is never printed');

  assert.equal(await c.admin(['create', 'dave']), 0);
  const shown = c.out.join('\n').match(/shown only this once: (\S+)$/m)?.[1];
  assert.ok(shown && shown.length >= 20, c.out.join('\n'));
  assert.equal(c.out.join('\n').split(shown).length, 2, 'printed exactly once');
  assert.ok(await verify((await user(c, 'dave'))!.password_hash, shown));
});

test('grant and revoke change the admin flag and tell the running instances; ADMIN_USERS is named when it still grants', async (t) => {
  const c = await cli(t);
  await c.admin(['create', 'erin'], { env: { STROBE_ADMIN_PASSWORD: 'correct horse' } });
  await c.query(`update users set is_admin = false where username = 'erin'`);
  const erin = (await user(c, 'erin'))!;

  assert.equal(await c.admin(['grant', 'erin']), 0);
  assert.deepEqual(c.out, ['strobe: erin is now an admin']);
  assert.equal((await user(c, 'erin'))!.is_admin, true);
  assert.deepEqual(c.published, [{ stream: 'sessions', type: 'user.changed', data: { userId: erin.id } }]);

  assert.equal(await c.admin(['grant', 'erin']), 0);
  assert.deepEqual(c.out, ['strobe: erin already is an admin']);
  assert.equal(c.published.length, 1, 'nothing changed, nobody is told');

  assert.equal(await c.admin(['revoke', 'erin']), 0);
  assert.deepEqual(c.out, ['strobe: erin is no longer an admin']);
  assert.deepEqual(c.err, []);
  assert.equal((await user(c, 'erin'))!.is_admin, false);
  assert.deepEqual(c.published.at(-1), { stream: 'sessions', type: 'user.changed', data: { userId: erin.id } });

  await c.admin(['grant', 'erin']);
  assert.equal(await c.admin(['revoke', 'erin'], { adminUsers: 'erin,frank' }), 0);
  assert.equal((await user(c, 'erin'))!.is_admin, false);
  assert.match(c.err.join('\n'), /warning: ADMIN_USERS still names erin/);

  assert.equal(await c.admin(['grant', 'nobody']), 1);
  assert.match(c.err.join('\n'), /no account nobody/);
});

test('while a Strobe holds the data dir the CLI refuses with one line, and works once it is stopped or killed', { timeout: 120_000 }, async (t) => {
  const c = await cli(t);
  await c.admin(['create', 'gus'], { env: { STROBE_ADMIN_PASSWORD: 'correct horse' } });
  const cliProcess = (args: string[]) =>
    run(process.execPath, ['--import', 'tsx', 'src/main.ts', 'admin', ...args], {
      cwd: ROOT,
      env: { ...process.env, DATA_DIR: c.dataDir, LOG_LEVEL: 'silent' },
      timeout: 60_000,
    }).then(
      ({ stdout, stderr }) => ({ code: 0, stdout, stderr }),
      (err: { code: number; stdout: string; stderr: string }) => ({ code: err.code, stdout: err.stdout, stderr: err.stderr }),
    );

  let server = await startServer({ dataDir: c.dataDir });
  t.after(() => server.kill());
  const refused = await cliProcess(['revoke', 'gus']);
  assert.equal(refused.code, 1, refused.stderr);
  assert.equal(refused.stdout, '');
  const lines = refused.stderr.trim().split('\n');
  assert.equal(lines.length, 1, refused.stderr);
  assert.match(lines[0]!, new RegExp(`^strobe: the database in ${c.dataDir}/db is in use by a running Strobe \\(pid ${server.child.pid}\\): stop it first`));
  await assert.rejects(c.admin(['revoke', 'gus']), DataDirBusyError, 'in process too');

  assert.equal(await server.stop(), 0);
  const afterStop = await cliProcess(['revoke', 'gus']);
  assert.equal(afterStop.code, 0, afterStop.stderr);
  assert.equal(afterStop.stdout.trim(), 'strobe: gus is no longer an admin');

  // A server killed outright leaves its lock behind: a lock whose process is gone is ignored.
  server = await startServer({ dataDir: c.dataDir });
  await server.kill();
  assert.equal(await c.admin(['grant', 'gus']), 0, c.err.join('\n'));
  assert.equal((await user(c, 'gus'))!.is_admin, true);
});

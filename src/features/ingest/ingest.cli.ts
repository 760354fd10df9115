// `strobe ingest add|list|rotate|remove|watch`: sources are managed by whoever runs Strobe, on its
// machine; a secret is printed once and stored encrypted. `watch` is the client: it runs anywhere.
import { randomBytes } from 'node:crypto';
import { parseArgs } from 'node:util';
import { hash } from '@node-rs/argon2';
import type { Adapters } from '../../adapters/index.js';
import type { Config } from '../../config.js';
import { SOURCE_NAME } from './ingest.service.js';
import { findSource, insertSource, listSources, removeSource, rotateSource } from './ingest.repo.js';
import { encryptSecret, newSecret } from './ingest.secrets.js';
import { watchFolder } from './ingest.watch.js';

export const INGEST_USAGE = `usage: strobe ingest add <name> [--city <slug>] [--user <username>]
       strobe ingest list | rotate <name> | remove <name>
       strobe ingest watch <dir> --source <name> --url <url> [--caption <text>]   (the secret in STROBE_INGEST_SECRET)`;

export interface IngestCliContext {
  config: Config;
  env: Readonly<Record<string, string | undefined>>;
  open(config: Config): Promise<Adapters>;
  out(line: string): void;
  err(line: string): void;
  signal?: AbortSignal;
}

export async function runIngest(argv: readonly string[], ctx: IngestCliContext): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...argv],
      allowPositionals: true,
      strict: true,
      options: { city: { type: 'string' }, user: { type: 'string' }, source: { type: 'string' }, url: { type: 'string' }, caption: { type: 'string' }, once: { type: 'boolean' } },
    });
  } catch (err) {
    ctx.err(`strobe: ${(err as Error).message}\n${INGEST_USAGE}`);
    return 2;
  }
  const { positionals, values } = parsed;
  const [action, name, ...extra] = positionals;
  if (extra.length > 0 || !action) return usage(ctx);
  if (action === 'watch') {
    const secret = ctx.env.STROBE_INGEST_SECRET;
    if (!name || !values.source || !values.url || !secret) {
      ctx.err('strobe: watch needs a folder, --source, --url and the secret in STROBE_INGEST_SECRET');
      return 2;
    }
    ctx.out(`strobe: watching ${name} for images to send to ${values.url} as ${values.source} (Ctrl-C stops)`);
    await watchFolder({ dir: name, source: values.source, secret, url: values.url, caption: values.caption, once: values.once, signal: ctx.signal, out: ctx.out, err: ctx.err });
    return 0;
  }
  if (action === 'list') {
    if (name) return usage(ctx);
    return withAdapters(ctx, async (a) => {
      const sources = await listSources(a.db);
      if (sources.length === 0) ctx.out('strobe: no ingest sources; add one with `strobe ingest add <name>`');
      for (const s of sources) {
        ctx.out(`${s.name}\taccount ${s.username}\tcity ${s.city_slug ?? '-'}\tsince ${s.created_at.toISOString()}${s.rotated_at ? `\trotated ${s.rotated_at.toISOString()}` : ''}`);
      }
      return 0;
    });
  }
  if (!['add', 'rotate', 'remove'].includes(action) || !name) return usage(ctx);
  if (!SOURCE_NAME.test(name)) {
    ctx.err(`strobe: "${name.slice(0, 60)}" is not a source name: 3 to 30 lowercase letters, digits and underscores`);
    return 1;
  }
  return withAdapters(ctx, async (a) => {
    if (action === 'remove') {
      if (!(await removeSource(a.db, name))) return fail(ctx, `there is no ingest source ${name}`);
      ctx.out(`strobe: removed the ingest source ${name}; its requests are refused from now on`);
      return 0;
    }
    const secret = newSecret();
    const secretEnc = encryptSecret(secret, a.sessionSecret);
    if (action === 'rotate') {
      if (!(await rotateSource(a.db, name, secretEnc))) return fail(ctx, `there is no ingest source ${name}`);
    } else {
      if (await findSource(a.db, name)) return fail(ctx, `the ingest source ${name} exists; rotate its secret with \`strobe ingest rotate ${name}\``);
      const cityId = values.city ? await cityIdOf(a, values.city) : null;
      if (cityId === undefined) return fail(ctx, `there is no city "${values.city!.slice(0, 60)}" (a slug, as in /cities/<slug>)`);
      const userId = values.user ? await existingUser(a, values.user) : await sourceAccount(a, name);
      if (!userId) return fail(ctx, values.user ? `there is no account ${values.user}` : `the username ${name} is taken; pass --user <username> to send as an existing account`);
      if (!(await insertSource(a.db, { name, userId, secretEnc, cityId }))) return fail(ctx, `the ingest source ${name} exists; rotate its secret with \`strobe ingest rotate ${name}\``);
    }
    ctx.out(`strobe: ${action === 'add' ? 'added' : 'rotated'} the ingest source ${name}`);
    ctx.out(`strobe: its secret, shown only this once: ${secret}`);
    return 0;
  });
}

function usage(ctx: IngestCliContext): number {
  ctx.err(INGEST_USAGE);
  return 2;
}

function fail(ctx: IngestCliContext, message: string): number {
  ctx.err(`strobe: ${message}`);
  return 1;
}

async function withAdapters(ctx: IngestCliContext, run: (a: Adapters) => Promise<number>): Promise<number> {
  const adapters = await ctx.open(ctx.config);
  try {
    return await run(adapters);
  } finally {
    await adapters.close();
  }
}

async function cityIdOf(a: Adapters, slug: string): Promise<number | undefined> {
  const [row] = await a.db.query<{ id: number }>('select id from cities where slug = $1', [slug]);
  return row?.id;
}

async function existingUser(a: Adapters, username: string): Promise<string | null> {
  const [row] = await a.db.query<{ id: string }>('select id from users where username = $1 and deleted_at is null', [username]);
  return row?.id ?? null;
}

/** An account named after the source, that nobody can sign in to (its password is random and never shown). */
async function sourceAccount(a: Adapters, name: string): Promise<string | null> {
  const passwordHash = await hash(randomBytes(32).toString('base64url'));
  const [row] = await a.db.query<{ id: string }>(
    `insert into users (username, password_hash) select $1, $2
     where not exists (select 1 from username_holds where username = $1 and until > now())
     on conflict (username) do nothing returning id`,
    [name, passwordHash],
  );
  return row?.id ?? null;
}

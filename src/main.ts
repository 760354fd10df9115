// The `strobe` command.
import { parseArgs } from 'node:util';
import { openAdapters } from './adapters/index.js';
import { DataDirBusyError } from './adapters/db/pglite.js';
import { ConfigError, loadConfig, type Config } from './config.js';
import { JOB_NAMES } from './ports/jobs.js';
import { serve } from './server.js';

const HELP = `Strobe: real-time photo sharing and chat.

Usage: strobe <command> [options]

Commands:
  start      run every role in one process (what \`npm start\` runs)
  web        run the web role: HTTP and realtime (cluster mode; embedded runs every role)
  worker     run the worker role: background jobs (cluster mode)
               --queues <a,b>     only these jobs, e.g. photo.resize (all by default)
  migrate    bring the database schema up to date (idempotent)
  backup     write FILE: the database (one consistent snapshot) and the photo files, while Strobe runs
               --force            overwrite FILE if it exists
               --s3-listing       name the S3 files without copying them (the bucket is backed up on its own)
  restore    restore FILE into an empty Strobe (embedded mode: stop Strobe first); everyone signs in again
  admin      manage admins and moderators from this machine (embedded mode: stop Strobe first)
               create <username>  a new admin account; its password is STROBE_ADMIN_PASSWORD,
                                  else asked for on a terminal, else generated and shown once
               grant <username> [--role admin|moderator]
                                  give an existing account the role (admin by default)
               revoke <username> [--role admin|moderator]
                                  take the role away; its open connections reconnect without it
  ingest     signed sources that send photos (cameras, bots) to POST /api/ingest
               add <name> [--city <slug>] [--user <username>]   prints the secret once
               list | rotate <name> | remove <name>
               watch <dir> --source <name> --url <url>   send each new image in <dir>
                                  (the secret in STROBE_INGEST_SECRET)
  cluster    a local cluster on PORT: web instances and workers behind HAProxy (cluster mode)
               --web <n>          web instances (2)
               --workers <n>      workers (1)
  demo       bring a running Strobe to life: demo users, follows, photos across cities, chat
               --url <url>        the Strobe to talk to (http://127.0.0.1:$PORT, PORT 3000)
               --rate <n>         photos per second (0.5)
               --users <n>        demo users, at most 16 (12)
               --chat-rate <n>    chat messages per second (0.3)
               --duration <s>     stop after this many seconds (0: until Ctrl-C)

Options:
  -h, --help     show this help

Configuration is read from environment variables; see the README.
  PORT (3000), HOST (0.0.0.0), DATA_DIR (./data), PUBLIC_URL, SESSION_SECRET, ADMIN_USERS,
  REGISTRATION (open in embedded mode, invite in cluster mode; or closed),
  REPLAY_WINDOW_SECONDS (120), REPLAY_MAX_EVENTS (2000), TRUST_PROXY, LOG_LEVEL (info)`;

async function main(argv: string[]): Promise<number> {
  const { positionals, values } = parseArgs({
    args: argv,
    allowPositionals: true,
    strict: false,
    options: {
      help: { type: 'boolean', short: 'h' },
      url: { type: 'string' },
      rate: { type: 'string' },
      users: { type: 'string' },
      'chat-rate': { type: 'string' },
      duration: { type: 'string' },
      queues: { type: 'string' },
      web: { type: 'string' },
      workers: { type: 'string' },
    },
  });
  const command = positionals[0];
  if (values.help || command === 'help' || command === undefined) {
    console.log(HELP);
    return command === undefined && !values.help ? 2 : 0;
  }
  if (command === 'demo') return demo(values);
  const config = loadConfig(process.env);
  switch (command) {
    case 'start':
      await serve(config);
      return -1; // keeps running until a signal
    case 'web':
      // One embedded process holds the database: it must run the jobs too.
      await serve(config, { web: true, worker: config.mode === 'embedded' });
      return -1;
    case 'worker': {
      if (config.mode === 'embedded') throw new ConfigError('DATABASE_URL', 'a separate worker needs cluster mode (DATABASE_URL, REDIS_URL, AMQP_URL); `strobe start` runs the jobs in embedded mode');
      await serve(config, { web: false, worker: true, queues: parseQueues(values.queues) });
      return -1;
    }
    case 'cluster':
      return cluster(config, values);
    case 'admin':
      // Its own options (--role) are its to parse, like ingest's.
      return admin(config, argv.slice(argv.indexOf('admin') + 1));
    case 'ingest':
      return ingest(config, argv.slice(argv.indexOf('ingest') + 1));
    case 'backup':
    case 'restore': {
      const cli = await import('./ops/backup/backup.cli.js');
      const ctx = { config, out: (line: string) => console.log(line), err: (line: string) => console.error(line) };
      const args = argv.slice(argv.indexOf(command) + 1);
      return command === 'backup' ? cli.runBackup(args, ctx) : cli.runRestore(args, ctx);
    }
    case 'migrate': {
      const adapters = await openAdapters(config);
      await adapters.close();
      console.log('strobe: the database schema is up to date');
      return 0;
    }
    default:
      console.error(`strobe: unknown command "${command}"\n\n${HELP}`);
      return 2;
  }
}

async function admin(config: Config, args: string[]): Promise<number> {
  const { runAdmin, askHiddenOnTerminal } = await import('./features/accounts/admin.cli.js');
  return runAdmin(args, {
    config,
    env: process.env,
    open: (c) => openAdapters(c, { log: { warn: (_obj, msg) => console.error(`strobe: warning: ${msg}`), error: (_obj, msg) => console.error(`strobe: ${msg}`) } }),
    out: (line) => console.log(line),
    err: (line) => console.error(line),
    askHidden: process.stdin.isTTY ? askHiddenOnTerminal : undefined,
  });
}

async function ingest(config: Config, args: string[]): Promise<number> {
  const { runIngest } = await import('./features/ingest/ingest.cli.js');
  const stop = new AbortController();
  process.once('SIGINT', () => stop.abort());
  process.once('SIGTERM', () => stop.abort());
  return runIngest(args, {
    config,
    env: process.env,
    open: (c) => openAdapters(c, { log: { warn: (_obj, msg) => console.error(`strobe: warning: ${msg}`), error: (_obj, msg) => console.error(`strobe: ${msg}`) } }),
    out: (line) => console.log(line),
    err: (line) => console.error(line),
    signal: stop.signal,
  });
}

function parseQueues(raw: string | boolean | undefined): string[] | undefined {
  if (typeof raw !== 'string') return undefined;
  const queues = raw.split(',').map((q) => q.trim()).filter(Boolean);
  const unknown = queues.filter((q) => !(JOB_NAMES as readonly string[]).includes(q));
  if (queues.length === 0 || unknown.length > 0) {
    throw new ConfigError('--queues', `must be a comma-separated list of ${JOB_NAMES.join(', ')}`);
  }
  return queues;
}

async function cluster(config: Config, values: Values): Promise<number> {
  if (config.mode === 'embedded') {
    throw new ConfigError('DATABASE_URL', 'a cluster shares PostgreSQL, Redis and RabbitMQ: set DATABASE_URL, REDIS_URL, AMQP_URL and SESSION_SECRET (see the README)');
  }
  const { LocalCluster } = await import('./cluster/local-cluster.js');
  const { HaproxyMissingError } = await import('./cluster/haproxy.js');
  const local = new LocalCluster({
    web: numberOption(values, 'web', 2, 1, 32, true),
    workers: numberOption(values, 'workers', 1, 0, 32, true),
    port: config.port,
    host: config.host,
    // A cluster on one machine is for trying Strobe out (and `strobe demo` signs its users up):
    // open registration unless REGISTRATION says otherwise. A real deployment sets it.
    env: { REGISTRATION: 'open', ...process.env },
    restart: true,
    onLine: (name, line) => console.log(`${name.padEnd(8)} ${readable(line)}`),
    onNotice: (message) => console.log(`cluster  ${message}`),
  });
  let stopping = false;
  const stop = () => {
    if (stopping) return;
    stopping = true;
    console.log('cluster  stopping: draining the web instances, then the workers');
    local.stop().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  try {
    await local.start();
  } catch (err) {
    await local.stop().catch(() => {});
    if (err instanceof HaproxyMissingError) {
      console.error(`strobe: ${err.message}`);
      return 1;
    }
    throw err;
  }
  console.log(`cluster  Strobe is up behind HAProxy: http://localhost:${local.port}`);
  return -1;
}

/** A pino JSON line as `level message`, so several processes' logs stay readable side by side. */
function readable(line: string): string {
  if (!line.startsWith('{')) return line;
  try {
    const { level, msg, err } = JSON.parse(line) as { level?: number; msg?: string; err?: { message?: string } };
    const name = level && level >= 50 ? 'ERROR ' : level && level >= 40 ? 'WARN  ' : '';
    return `${name}${msg ?? ''}${err?.message ? `: ${err.message}` : ''}`;
  } catch {
    return line;
  }
}

type Values = Record<string, string | boolean | undefined>;

/** A numeric flag, checked against its range; `whole` refuses fractions. */
function numberOption(values: Values, name: string, fallback: number, min: number, max: number, whole = false): number {
  const raw = values[name];
  const n = typeof raw === 'string' ? Number(raw) : fallback;
  const ok = whole ? Number.isInteger(n) : Number.isFinite(n);
  if (!ok || n < min || n > max) throw new ConfigError(`--${name}`, `must be a ${whole ? 'whole ' : ''}number from ${min} to ${max}`);
  return n;
}

async function demo(values: Values): Promise<number> {
  const number = (name: string, fallback: number, min: number, max: number) => numberOption(values, name, fallback, min, max);
  const url = typeof values.url === 'string' ? values.url : `http://127.0.0.1:${process.env.PORT || 3000}`;
  if (!/^https?:\/\/[^/]+/.test(url)) throw new ConfigError('--url', 'must be an http(s) URL');
  const abort = new AbortController();
  process.once('SIGINT', () => abort.abort());
  process.once('SIGTERM', () => abort.abort());
  const { runDemo, DemoRefused } = await import('./demo/demo.js');
  try {
    await runDemo(
      {
        url: url.replace(/\/$/, ''),
        rate: number('rate', 0.5, 0.01, 20),
        users: number('users', 12, 2, 16),
        chatRate: number('chat-rate', 0.3, 0, 20),
        duration: number('duration', 0, 0, 86_400),
        seed: Date.now() % 100_000,
        log: (line) => console.log(line),
      },
      abort.signal,
    );
  } catch (err) {
    if (err instanceof DemoRefused) {
      console.error(`strobe demo: ${err.message}`);
      return 1;
    }
    if ((err as { cause?: { code?: string } }).cause?.code === 'ECONNREFUSED') {
      console.error(`strobe demo: nothing answers at ${url}. Start Strobe first (npm start), or pass --url.`);
      return 1;
    }
    throw err;
  }
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => {
    if (code >= 0) process.exit(code);
  },
  (err: unknown) => {
    if (err instanceof ConfigError) {
      console.error(`strobe: configuration error: ${err.message}`);
      process.exit(78);
    }
    if (err instanceof DataDirBusyError) {
      console.error(`strobe: ${err.message}`);
      process.exit(1);
    }
    console.error('strobe: failed to start:', err);
    process.exit(1);
  },
);

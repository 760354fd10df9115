// The `strobe` command.
import { parseArgs } from 'node:util';
import { openAdapters } from './adapters/index.js';
import { ConfigError, loadConfig } from './config.js';
import { serve } from './server.js';

const HELP = `Strobe: real-time photo sharing and chat.

Usage: strobe <command> [options]

Commands:
  start      run every role in one process (what \`npm start\` runs)
  web        run the web role: HTTP and realtime
  migrate    bring the database schema up to date (idempotent)

Options:
  -h, --help     show this help

Configuration is read from environment variables; see the README.
  PORT (3000), HOST (0.0.0.0), DATA_DIR (./data), PUBLIC_URL, SESSION_SECRET, ADMIN_USERS,
  REPLAY_WINDOW_SECONDS (120), REPLAY_MAX_EVENTS (2000), TRUST_PROXY, LOG_LEVEL (info)`;

async function main(argv: string[]): Promise<number> {
  const { positionals, values } = parseArgs({
    args: argv,
    allowPositionals: true,
    strict: false,
    options: { help: { type: 'boolean', short: 'h' } },
  });
  const command = positionals[0];
  if (values.help || command === 'help' || command === undefined) {
    console.log(HELP);
    return command === undefined && !values.help ? 2 : 0;
  }
  const config = loadConfig(process.env);
  switch (command) {
    case 'start':
    case 'web':
      await serve(config);
      return -1; // keeps running until a signal
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

main(process.argv.slice(2)).then(
  (code) => {
    if (code >= 0) process.exit(code);
  },
  (err: unknown) => {
    if (err instanceof ConfigError) {
      console.error(`strobe: configuration error: ${err.message}`);
      process.exit(78);
    }
    console.error('strobe: failed to start:', err);
    process.exit(1);
  },
);

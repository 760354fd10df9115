// Wires the control socket into a running embedded server (server.ts): the backup it writes reads
// the server's own database and blob stores. Cluster processes have no control socket: the CLI
// reaches PostgreSQL and the bucket itself.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Strobe } from '../../app.js';
import { writeBackup } from './backup.js';
import { serveControl, type ControlServer } from './control.js';

export async function startControl(strobe: Strobe): Promise<ControlServer> {
  const { config, adapters, app } = strobe;
  if (config.mode !== 'embedded') return { path: null, close: async () => {} };
  try {
    return await serveControl(
      config.dataDir,
      (opts, out, log) =>
        writeBackup(
          {
            db: adapters.db,
            media: adapters.media,
            uploads: adapters.uploads,
            mode: 'embedded',
            listing: opts.listing,
            sessionSecret: adapters.sessionSecret,
            secretFile: config.sessionSecret === undefined ? readSecretFile(config.dataDir) : undefined,
            scratchDir: adapters.tmpDir,
            log: (line) => {
              app.log.info({ backup: true }, line);
              log(line);
            },
          },
          out,
        ),
      app.log,
    );
  } catch (err) {
    // Serving without it beats not serving: only `strobe backup` while running is lost.
    app.log.warn({ err }, 'could not open the control socket: `strobe backup` cannot reach this server (stop it to back up)');
    return { path: null, close: async () => {} };
  }
}

export function readSecretFile(dataDir: string): string | undefined {
  try {
    return readFileSync(join(dataDir, 'session-secret'), 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}

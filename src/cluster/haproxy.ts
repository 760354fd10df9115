// HAProxy for the local cluster: found on the machine (Debian's package), configured from the
// shipped deploy/haproxy.cfg with this cluster's instances in its server list.
import { accessSync, constants, existsSync, readFileSync } from 'node:fs';
import { delimiter, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export class HaproxyMissingError extends Error {
  constructor() {
    super(
      'HAProxy is not installed, and `strobe cluster` puts it in front of the web instances.\n' +
        'Install it from your distribution, e.g. on Debian or Ubuntu:\n\n    sudo apt-get install haproxy\n\n' +
        'or set HAPROXY_BIN to its path.',
    );
    this.name = 'HaproxyMissingError';
  }
}

/** The haproxy binary: HAPROXY_BIN, else the PATH, else the sbin folders a non-root PATH lacks. */
export function findHaproxy(env: Record<string, string | undefined> = process.env): string {
  if (env.HAPROXY_BIN) {
    if (isExecutable(env.HAPROXY_BIN)) return env.HAPROXY_BIN;
    throw new HaproxyMissingError();
  }
  const dirs = [...(env.PATH ?? '').split(delimiter), '/usr/sbin', '/usr/local/sbin', '/sbin'];
  for (const dir of dirs) {
    const candidate = join(dir, 'haproxy');
    if (dir && isExecutable(candidate)) return candidate;
  }
  throw new HaproxyMissingError();
}

function isExecutable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

const BEGIN = '# BEGIN strobe-web servers';
const END = '# END strobe-web servers';

/** The shipped configuration with its example server list replaced by these instances (on 127.0.0.1 unless `host` says). */
export function haproxyConfig(template: string, servers: readonly { name: string; port: number; host?: string }[]): string {
  const start = template.indexOf(BEGIN);
  const end = template.indexOf(END);
  if (start < 0 || end < start) throw new Error(`deploy/haproxy.cfg lost its "${BEGIN}" / "${END}" markers`);
  const indent = template.slice(template.lastIndexOf('\n', start) + 1, start);
  const lines = servers.map((s) => `${indent}server ${s.name} ${s.host ?? '127.0.0.1'}:${s.port} check`);
  return template.slice(0, start + BEGIN.length) + '\n' + lines.join('\n') + '\n' + indent + template.slice(end);
}

/** deploy/haproxy.cfg of this package, whether running from src/ or dist/. */
export function shippedHaproxyConfig(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json'))) {
    const parent = dirname(dir);
    if (parent === dir) throw new Error('cannot find the Strobe package folder (and its deploy/haproxy.cfg)');
    dir = parent;
  }
  return readFileSync(join(dir, 'deploy', 'haproxy.cfg'), 'utf8');
}

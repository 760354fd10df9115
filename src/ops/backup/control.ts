// The embedded server's control socket: PGlite is one process's (the data dir is locked), so
// `strobe backup` asks the running server to write the archive instead of opening the database.
// A Unix socket in DATA_DIR/run (mode 0700, the socket 0600): only the data dir's owner (and root)
// can connect, and it is removed when the server stops (and, after a crash, when it starts again).
//
// Protocol: the client sends one JSON line ({"command":"backup","listing":false}); the server
// answers with frames of [kind: 1 byte][length: 4 bytes, big-endian][payload]: 'd' archive bytes,
// 'l' a line for the operator, then 'k' (the report, JSON) or 'e' (an error message), last.
import { chmodSync, mkdirSync, rmSync } from 'node:fs';
import { connect, createServer, type Socket } from 'node:net';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { BackupError, type BackupReport } from './backup.js';

/** Unix socket paths are limited to 107 bytes on Linux. */
const MAX_SOCKET_PATH = 100;
const MAX_REQUEST = 4096;

export function controlSocketPath(dataDir: string): string {
  return join(dataDir, 'run', 'control.sock');
}

export type BackupHandler = (opts: { listing: boolean }, out: Writable, log: (line: string) => void) => Promise<BackupReport>;

export interface ControlServer {
  path: string | null;
  /** Stops listening and ends open connections (a backup in progress fails); never rejects. */
  close(): Promise<void>;
}

export async function serveControl(dataDir: string, backup: BackupHandler, log: { warn(obj: object, msg: string): void }): Promise<ControlServer> {
  const path = controlSocketPath(dataDir);
  if (path.length > MAX_SOCKET_PATH) {
    log.warn({ path }, 'DATA_DIR is too long a path for the control socket: `strobe backup` cannot reach this server (stop it to back up)');
    return { path: null, close: async () => {} };
  }
  mkdirSync(join(dataDir, 'run'), { recursive: true, mode: 0o700 });
  chmodSync(join(dataDir, 'run'), 0o700);
  // Left by a server that died: this process holds the data dir's lock, so no live server uses it.
  rmSync(path, { force: true });
  const sockets = new Set<Socket>();
  let busy = false;
  const server = createServer((socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
    socket.on('error', () => {});
    void readRequest(socket).then(async (request) => {
      if (!request) return;
      if (request.command !== 'backup') return finish(socket, 'e', `unknown command ${JSON.stringify(request.command)}`);
      if (busy) return finish(socket, 'e', 'another backup of this Strobe is in progress: wait for it to finish');
      busy = true;
      try {
        const out = new Writable({
          write(chunk: Buffer, _enc, done) {
            if (socket.destroyed) return done(new Error('the backup client went away'));
            if (socket.write(frame('d', chunk))) return done();
            const settle = () => {
              socket.off('drain', settle);
              socket.off('close', settle);
              done(socket.destroyed ? new Error('the backup client went away') : null);
            };
            socket.on('drain', settle);
            socket.on('close', settle);
          },
        });
        const report = await backup({ listing: request.listing === true }, out, (line) => socket.write(frame('l', Buffer.from(line))));
        finish(socket, 'k', JSON.stringify(report));
      } catch (err) {
        finish(socket, 'e', err instanceof BackupError ? err.message : `the backup failed: ${(err as Error).message}`);
      } finally {
        busy = false;
      }
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(path, () => resolve());
  });
  chmodSync(path, 0o600);
  server.on('error', (err) => log.warn({ err }, 'control socket error'));
  return {
    path,
    async close() {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      rmSync(path, { force: true });
    },
  };
}

/** The request line; null (and the connection closed) when none comes or it is not JSON. */
function readRequest(socket: Socket): Promise<{ command?: unknown; listing?: unknown } | null> {
  return new Promise((resolve) => {
    let data = '';
    const gone = () => resolve(null);
    const onData = (chunk: Buffer) => {
      data += chunk.toString('utf8');
      const nl = data.indexOf('\n');
      if (nl < 0) {
        if (data.length > MAX_REQUEST) socket.destroy();
        return;
      }
      socket.off('data', onData);
      socket.off('close', gone);
      socket.on('data', () => {}); // anything more is ignored, and a hang-up is still seen
      try {
        const value = JSON.parse(data.slice(0, nl)) as unknown;
        if (value && typeof value === 'object') return resolve(value as { command?: unknown });
      } catch {
        // below
      }
      finish(socket, 'e', 'the request is not a JSON object');
      resolve(null);
    };
    socket.on('data', onData);
    socket.once('close', gone);
  });
}

function frame(kind: 'd' | 'l' | 'k' | 'e', payload: Buffer | string): Buffer {
  const body = Buffer.isBuffer(payload) ? payload : Buffer.from(payload);
  const head = Buffer.alloc(5);
  head.write(kind, 0, 'latin1');
  head.writeUInt32BE(body.length, 1);
  return Buffer.concat([head, body]);
}

function finish(socket: Socket, kind: 'k' | 'e', payload: string): void {
  if (!socket.destroyed) socket.end(frame(kind, payload));
}

/**
 * Asks the server that holds `dataDir` for a backup, written to `out` (not ended). Null when no
 * server listens there (none runs, or one that died left its socket behind).
 */
export async function requestBackup(dataDir: string, opts: { listing: boolean }, out: Writable, onLine: (line: string) => void): Promise<BackupReport | null> {
  const path = controlSocketPath(dataDir);
  const socket = await new Promise<Socket | null>((resolve, reject) => {
    const s = connect(path);
    s.once('connect', () => resolve(s));
    s.once('error', (err: NodeJS.ErrnoException) => {
      if (err.code === 'ENOENT' || err.code === 'ECONNREFUSED') resolve(null);
      else reject(err);
    });
  });
  if (!socket) return null;
  socket.write(JSON.stringify({ command: 'backup', listing: opts.listing }) + '\n');
  let buffered = Buffer.alloc(0);
  try {
    for await (const chunk of socket) {
      buffered = Buffer.concat([buffered, chunk as Buffer]);
      while (buffered.length >= 5) {
        const length = buffered.readUInt32BE(1);
        if (buffered.length < 5 + length) break;
        const kind = String.fromCharCode(buffered[0]!);
        const payload = buffered.subarray(5, 5 + length);
        buffered = buffered.subarray(5 + length);
        if (kind === 'd') {
          if (!out.write(payload)) await new Promise<void>((resolve) => out.once('drain', () => resolve()));
        } else if (kind === 'l') onLine(payload.toString('utf8'));
        else if (kind === 'k') return JSON.parse(payload.toString('utf8')) as BackupReport;
        else if (kind === 'e') throw new BackupError(`the running Strobe could not write the backup: ${payload.toString('utf8')}`);
        else throw new BackupError('the running Strobe answered in a way this Strobe does not understand (a different version?)');
      }
    }
  } finally {
    socket.destroy();
  }
  throw new BackupError('the running Strobe stopped answering before the backup was complete (did it stop?)');
}

// A diagnostic for the fan-out benchmark: Strobe's own HAProxy configuration (deploy/haproxy.cfg)
// in front of the two socket.io baseline instances, so the baseline can be measured behind the same
// load balancer as Strobe. The baselines have no /readyz, so the health checks are left out.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createConnection, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findHaproxy, haproxyConfig, shippedHaproxyConfig } from '../../src/cluster/haproxy.js';

export interface Balancer {
  url: string;
  pid: number;
  stop(): Promise<void>;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}

const accepts = (port: number) =>
  new Promise<boolean>((resolve) => {
    const s = createConnection({ host: '127.0.0.1', port }, () => (s.destroy(), resolve(true)));
    s.once('error', () => resolve(false));
  });

export async function startBalancer(ports: number[]): Promise<Balancer> {
  const dir = mkdtempSync(join(tmpdir(), 'strobe-bench-haproxy-'));
  const file = join(dir, 'haproxy.cfg');
  const config = haproxyConfig(shippedHaproxyConfig(), ports.map((port, i) => ({ name: `sio${i + 1}`, port })))
    .split('\n')
    .filter((line) => !/^\s*(option httpchk|http-check|default-server)/.test(line))
    .map((line) => line.replace(/ check$/, ''))
    .join('\n');
  writeFileSync(file, config);
  const port = await freePort();
  const child = spawn(findHaproxy(), ['-db', '-f', file], { env: { ...process.env, STROBE_BIND: `127.0.0.1:${port}` }, stdio: ['ignore', 'ignore', 'inherit'] });
  const stop = () =>
    new Promise<void>((resolve) => {
      const done = () => (rmSync(dir, { recursive: true, force: true }), resolve());
      if (child.exitCode !== null || child.signalCode !== null) return done();
      child.once('exit', done);
      child.kill('SIGTERM');
      setTimeout(() => child.kill('SIGKILL'), 5_000).unref();
    });
  for (let i = 0; i < 100 && !(await accepts(port)); i++) {
    if (child.exitCode !== null) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  if (!(await accepts(port))) {
    await stop();
    throw new Error('the diagnostic HAProxy did not start');
  }
  return { url: `http://127.0.0.1:${port}`, pid: child.pid!, stop };
}

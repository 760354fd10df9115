// A local cluster: N web instances and M workers as real processes, behind a real HAProxy on one
// port. `strobe cluster` runs it for people (restarting an instance that dies); the fault tests
// run it to kill instances on purpose. Every process is an ordinary `strobe web` or `strobe worker`
// with the cluster's environment, so what runs here is what runs in production.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { findHaproxy, haproxyConfig, shippedHaproxyConfig } from './haproxy.js';

export type Role = 'web' | 'worker';

export interface LocalClusterOptions {
  web: number;
  workers: number;
  /** The load balancer's port; 0 picks a free one. */
  port: number;
  /** The load balancer's address (HOST); instances listen on 127.0.0.1 only. */
  host?: string;
  /** The environment every process gets: DATABASE_URL, REDIS_URL, AMQP_URL, SESSION_SECRET, … */
  env: Record<string, string | undefined>;
  /** How to run `strobe`: the node binary and its arguments before the command. */
  command?: readonly string[];
  /** The jobs the workers consume (`strobe worker --queues`); all when absent. */
  workerQueues?: readonly string[];
  /** Start an instance again when it exits by itself (`strobe cluster`); tests kill on purpose. */
  restart?: boolean;
  /** Each line a process prints, with its name (web1, worker1, haproxy). */
  onLine?: (name: string, line: string) => void;
  /** Lifecycle news for people: started, exited, restarting. */
  onNotice?: (message: string) => void;
}

export interface Instance {
  name: string;
  role: Role;
  /** The instance's own port (web only). */
  port: number | undefined;
  child: ChildProcess | undefined;
  /** Recent lines, for error messages. */
  logs: string[];
}

const START_TIMEOUT_MS = 60_000;
const STOP_TIMEOUT_MS = 15_000;
const RESTART_DELAY_MS = 1_000;

export class LocalCluster {
  readonly instances = new Map<string, Instance>();
  private haproxy: ChildProcess | undefined;
  private readonly haproxyLogs: string[] = [];
  private configDir: string | undefined;
  private stopping = false;
  private readonly command: readonly string[];
  port = 0;

  constructor(private readonly opts: LocalClusterOptions) {
    this.command = opts.command ?? [process.execPath, fileURLToPath(new URL('../main.js', import.meta.url))];
  }

  /** The URL people and tests use: the load balancer. */
  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  async start(): Promise<void> {
    const haproxyBin = findHaproxy(this.opts.env); // before anything starts: the clear error comes first
    await this.runToEnd('migrate', ['migrate']); // once, so N instances do not queue on the migration lock
    this.port = this.opts.port || (await freePort());
    const webs = await Promise.all(Array.from({ length: this.opts.web }, async (_, i) => this.define(`web${i + 1}`, 'web', await freePort())));
    const workers = Array.from({ length: this.opts.workers }, (_, i) => this.define(`worker${i + 1}`, 'worker', undefined));
    await Promise.all([...webs, ...workers].map((inst) => this.launch(inst)));
    this.startHaproxy(haproxyBin, webs);
    await this.waitForBalancer();
  }

  /** Sends a signal to one instance and waits for it to exit. */
  signal(name: string, signal: NodeJS.Signals): Promise<void> {
    return killAndWait(this.get(name).child, signal);
  }

  /** Starts an instance that is down (after a kill or a stop), and waits until it is up. */
  async revive(name: string): Promise<void> {
    const inst = this.get(name);
    if (running(inst.child)) return;
    await this.launch(inst);
  }

  /** Adds one more worker and waits until it consumes. */
  async addWorker(): Promise<string> {
    const count = [...this.instances.values()].filter((i) => i.role === 'worker').length;
    const inst = this.define(`worker${count + 1}`, 'worker', undefined);
    await this.launch(inst);
    return inst.name;
  }

  names(role: Role): string[] {
    return [...this.instances.values()].filter((i) => i.role === role).map((i) => i.name);
  }

  /** Drains the web instances, then the workers, then the load balancer. */
  async stop(): Promise<void> {
    this.stopping = true;
    const down = (role: Role) => Promise.all(this.names(role).map((n) => this.stopOne(n)));
    await down('web');
    await down('worker');
    await killAndWait(this.haproxy, 'SIGTERM');
    if (this.configDir) rmSync(this.configDir, { recursive: true, force: true });
  }

  private stopOne(name: string): Promise<void> {
    return killAndWait(this.get(name).child, 'SIGTERM', STOP_TIMEOUT_MS);
  }

  private get(name: string): Instance {
    const inst = this.instances.get(name);
    if (!inst) throw new Error(`no instance named ${name}`);
    return inst;
  }

  private define(name: string, role: Role, port: number | undefined): Instance {
    const inst: Instance = { name, role, port, child: undefined, logs: [] };
    this.instances.set(name, inst);
    return inst;
  }

  private childEnv(extra: Record<string, string>): Record<string, string | undefined> {
    // Instances are reached through the balancer only. It replaces any X-Forwarded-For with the
    // address it saw, and it connects from 127.0.0.1: that is the one hop the instances trust.
    // Every instance would want the one METRICS_PORT: each serves /metrics on its own port instead.
    const { METRICS_PORT: _oneMetricsPort, ...env } = this.opts.env;
    return { ...env, HOST: '127.0.0.1', TRUST_PROXY: '127.0.0.1', ...extra };
  }

  /** Spawns the instance and resolves once it says it is up. */
  private launch(inst: Instance): Promise<void> {
    const queues = this.opts.workerQueues;
    const args = inst.role === 'web' ? ['web'] : ['worker', ...(queues ? ['--queues', queues.join(',')] : [])];
    const env = this.childEnv(inst.port === undefined ? {} : { PORT: String(inst.port) });
    const [bin, ...pre] = this.command;
    // The IPC channel carries the instance's "I am up" (see server.ts), whatever its LOG_LEVEL.
    const child = spawn(bin!, [...pre, ...args], { env, stdio: ['ignore', 'pipe', 'pipe', 'ipc'] });
    inst.child = child;
    inst.logs = [];
    return new Promise<void>((resolve, reject) => {
      let up = false;
      const timer = setTimeout(() => reject(new Error(`${inst.name} did not start in ${START_TIMEOUT_MS / 1000} s:\n${inst.logs.join('\n')}`)), START_TIMEOUT_MS);
      const onLine = (line: string) => {
        inst.logs.push(line);
        if (inst.logs.length > 200) inst.logs.shift();
        this.opts.onLine?.(inst.name, line);
      };
      child.on('message', (msg: { type?: string }) => {
        if (up || msg?.type !== 'strobe.up') return;
        up = true;
        clearTimeout(timer);
        this.opts.onNotice?.(`${inst.name} is up${inst.port ? ` on 127.0.0.1:${inst.port}` : ''} (pid ${child.pid})`);
        resolve();
      });
      createInterface({ input: child.stdout! }).on('line', onLine);
      createInterface({ input: child.stderr! }).on('line', onLine);
      child.once('exit', (code, signal) => {
        clearTimeout(timer);
        if (!up) return reject(new Error(`${inst.name} exited (${signal ?? code}) before it was up:\n${inst.logs.join('\n')}`));
        if (this.stopping || inst.child !== child) return;
        this.opts.onNotice?.(`${inst.name} exited (${signal ?? `code ${code}`})`);
        if (this.opts.restart) {
          this.opts.onNotice?.(`restarting ${inst.name} in ${RESTART_DELAY_MS / 1000} s`);
          setTimeout(() => {
            if (!this.stopping) this.launch(inst).catch((err: Error) => this.opts.onNotice?.(`${inst.name} failed to restart: ${err.message}`));
          }, RESTART_DELAY_MS).unref();
        }
      });
    });
  }

  private runToEnd(name: string, args: string[]): Promise<void> {
    const [bin, ...pre] = this.command;
    const child = spawn(bin!, [...pre, ...args], { env: this.childEnv({}), stdio: ['ignore', 'pipe', 'pipe'] });
    const logs: string[] = [];
    const onLine = (line: string) => {
      logs.push(line);
      this.opts.onLine?.(name, line);
    };
    createInterface({ input: child.stdout! }).on('line', onLine);
    createInterface({ input: child.stderr! }).on('line', onLine);
    return new Promise((resolve, reject) =>
      child.once('exit', (code) => (code === 0 ? resolve() : reject(new Error(`strobe ${args.join(' ')} failed (${code}):\n${logs.join('\n')}`)))),
    );
  }

  private startHaproxy(bin: string, webs: Instance[]): void {
    this.configDir = mkdtempSync(join(tmpdir(), 'strobe-haproxy-'));
    const file = join(this.configDir, 'haproxy.cfg');
    writeFileSync(file, haproxyConfig(shippedHaproxyConfig(), webs.map((w) => ({ name: w.name, port: w.port! }))));
    // -db: stay in the foreground, so the cluster owns its lifetime.
    const lb = spawn(bin, ['-db', '-f', file], {
      env: { ...process.env, STROBE_BIND: `${this.opts.host ?? '127.0.0.1'}:${this.port}` },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.haproxy = lb;
    const onLine = (line: string) => {
      this.haproxyLogs.push(line);
      if (this.haproxyLogs.length > 50) this.haproxyLogs.shift();
      // Syslog-framed lines (`<4>…`) repeat HAProxy's own warnings, which are already shown.
      if (!/^<\d+>/.test(line)) this.opts.onLine?.('haproxy', line);
    };
    createInterface({ input: lb.stdout! }).on('line', onLine);
    createInterface({ input: lb.stderr! }).on('line', onLine);
    lb.once('exit', (code, signal) => {
      if (!this.stopping) this.opts.onNotice?.(`haproxy exited (${signal ?? `code ${code}`}); the cluster has no entry point`);
    });
  }

  /** Until HAProxy answers and has marked an instance up. */
  private async waitForBalancer(): Promise<void> {
    const deadline = Date.now() + START_TIMEOUT_MS;
    let last = '';
    while (Date.now() < deadline) {
      if (this.haproxy && this.haproxy.exitCode !== null) throw new Error(`haproxy exited with ${this.haproxy.exitCode}:\n${this.haproxyLogs.join('\n')}`);
      try {
        const res = await fetch(`${this.url}/readyz`, { signal: AbortSignal.timeout(2_000) });
        if (res.ok) return;
        last = `HTTP ${res.status}`;
      } catch (err) {
        last = (err as Error).message;
      }
      await new Promise((r) => setTimeout(r, 200));
    }
    throw new Error(`the load balancer did not become ready: ${last}`);
  }
}

function running(child: ChildProcess | undefined): child is ChildProcess {
  return !!child && child.exitCode === null && child.signalCode === null;
}

/** Signals a running process and waits for it to exit, with SIGKILL after `killAfterMs` if given. */
async function killAndWait(child: ChildProcess | undefined, signal: NodeJS.Signals, killAfterMs?: number): Promise<void> {
  if (!running(child)) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill(signal);
  const timer = killAfterMs === undefined ? undefined : setTimeout(() => child.kill('SIGKILL'), killAfterMs);
  await exited;
  clearTimeout(timer);
}

/** A port nobody listens on right now. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

// A Strobe cluster where every process is a host of its own (test/helpers/netns.ts): Redis,
// PostgreSQL, RabbitMQ and an S3 server (s3rver) each in a namespace with its own address, HAProxy
// in another, and every `strobe web` and `strobe worker` in one more. They reach each other over the
// bridge only: no shared loopback, and no shared data directory (photos live in the S3 bucket, each
// instance has a scratch dir of its own). The services are the test's own (its own redis-server, its
// own PostgreSQL cluster from initdb, its own RabbitMQ node), so a partition can cut them off from one
// instance without touching the machine's services. The test process is a client on the bridge.
import { execFileSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { appendFileSync, chownSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { userInfo } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { setTimeout as delay } from 'node:timers/promises';
import { haproxyConfig, findHaproxy, shippedHaproxyConfig } from '../../src/cluster/haproxy.js';
import { NetnsLab } from './netns.js';

const ROOT = new URL('../..', import.meta.url).pathname;
const START_TIMEOUT_MS = 90_000;
const WEB_PORT = 3000;
const LB_PORT = 8080;
const BUCKET = 'strobe-photos';

export interface NetnsClusterOptions {
  web: number;
  workers: number;
  /** Lines of process output kept for failure messages. */
  keepLines?: number;
}

interface Proc {
  name: string;
  child: ChildProcess;
  logs: string[];
}

/** The PostgreSQL binaries: Debian's newest cluster version, else the PATH's. */
function postgresBin(name: string): string {
  try {
    const versions = readdirSync('/usr/lib/postgresql').sort((a, b) => Number(b) - Number(a));
    for (const v of versions) {
      const path = `/usr/lib/postgresql/${v}/bin/${name}`;
      if (statSync(path, { throwIfNoEntry: false })?.isFile()) return path;
    }
  } catch {
    // not Debian's layout
  }
  return name;
}

/** Resolves once something accepts TCP connections at host:port (from the root namespace). */
async function waitForPort(host: string, port: number, what: string, proc: Proc | undefined, timeoutMs = START_TIMEOUT_MS): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (proc && proc.child.exitCode !== null) throw new Error(`${what} exited (${proc.child.exitCode}) before it listened:\n${proc.logs.join('\n')}`);
    const ok = await new Promise<boolean>((resolve) => {
      const socket = connect({ host, port }, () => (socket.destroy(), resolve(true)));
      socket.setTimeout(1_000, () => (socket.destroy(), resolve(false)));
      socket.on('error', () => resolve(false));
    });
    if (ok) return;
    await delay(200);
  }
  throw new Error(`${what} did not listen on ${host}:${port} within ${timeoutMs / 1000} s:\n${proc?.logs.join('\n') ?? ''}`);
}

export class NetnsCluster {
  readonly lab: NetnsLab;
  /** Every process's lines, newest last. */
  readonly logs: string[] = [];
  readonly processes = new Map<string, Proc>();
  readonly webNames: string[];
  readonly workerNames: string[];
  private readonly keepLines: number;
  private readonly sessionSecret = randomBytes(24).toString('base64url');
  private haproxySocket = '';
  private stopped = false;

  private constructor(opts: NetnsClusterOptions) {
    this.keepLines = opts.keepLines ?? 600;
    this.lab = NetnsLab.create();
    this.webNames = Array.from({ length: opts.web }, (_, i) => `web${i + 1}`);
    this.workerNames = Array.from({ length: opts.workers }, (_, i) => `worker${i + 1}`);
  }

  /** Starts everything; on a failure it tears everything down and throws with the logs. */
  static async start(opts: NetnsClusterOptions): Promise<NetnsCluster> {
    const cluster = new NetnsCluster(opts);
    try {
      await cluster.boot();
    } catch (err) {
      await cluster.stop();
      throw new Error(`${(err as Error).message}\n--- cluster logs ---\n${cluster.logs.slice(-80).join('\n')}`);
    }
    return cluster;
  }

  /** The load balancer, as clients reach it. */
  get url(): string {
    return `http://${this.lab.host('haproxy').address}:${LB_PORT}`;
  }

  /** One instance, straight (for its /readyz). */
  webUrl(name: string): string {
    return `http://${this.lab.host(name).address}:${WEB_PORT}`;
  }

  get databaseUrl(): string {
    return `postgres://postgres@${this.lab.host('postgres').address}:5432/strobe`;
  }

  cut(a: string, b: string): void {
    this.lab.cut(a, b);
    this.note(`cut ${a} <-> ${b}`);
  }

  restore(a: string, b: string): void {
    this.lab.restore(a, b);
    this.note(`restored ${a} <-> ${b}`);
  }

  /** Signals one process and waits until it has exited. */
  async signal(name: string, signal: NodeJS.Signals): Promise<void> {
    const proc = this.processes.get(name);
    if (!proc || proc.child.exitCode !== null || proc.child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => proc.child.once('exit', () => resolve()));
    proc.child.kill(signal);
    await exited;
  }

  /** What HAProxy thinks of each web instance: UP, DOWN, or a transition such as "UP 1/2". */
  async balancerStatus(): Promise<Record<string, string>> {
    const csv = await new Promise<string>((resolve, reject) => {
      const socket = connect(this.haproxySocket);
      let out = '';
      socket.setTimeout(3_000, () => socket.destroy(new Error('HAProxy stats socket did not answer')));
      socket.on('connect', () => socket.write('show stat\n'));
      socket.on('data', (d) => (out += d.toString()));
      socket.on('end', () => resolve(out));
      socket.on('error', reject);
    });
    const [header, ...rows] = csv.trim().split('\n');
    const columns = header!.replace(/^# /, '').split(',');
    const at = (name: string) => columns.indexOf(name);
    const status: Record<string, string> = {};
    for (const row of rows) {
      const cells = row.split(',');
      if (cells[at('pxname')] === 'strobe_web' && this.webNames.includes(cells[at('svname')]!)) status[cells[at('svname')]!] = cells[at('status')]!;
    }
    return status;
  }

  /** Kills every process and removes the namespaces and temp dirs; safe to call twice. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    this.lab.destroy();
  }

  private note(message: string): void {
    this.logs.push(`cluster: ${new Date().toISOString()} ${message}`);
  }

  private tmp(what: string): string {
    return this.lab.tmpDir(what);
  }

  private run(name: string, host: string, command: string, args: readonly string[], env?: Record<string, string | undefined>, ipc = false): Proc {
    const child = this.lab.spawn(host, command, args, {
      env: env ?? process.env,
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe', ...(ipc ? (['ipc'] as const) : [])],
    });
    const proc: Proc = { name, child, logs: [] };
    this.processes.set(name, proc);
    const onLine = (line: string) => {
      proc.logs.push(line);
      if (proc.logs.length > 200) proc.logs.shift();
      this.logs.push(`${name}: ${line}`);
      if (this.logs.length > this.keepLines) this.logs.shift();
    };
    createInterface({ input: child.stdout! }).on('line', onLine);
    createInterface({ input: child.stderr! }).on('line', onLine);
    child.once('exit', (code, signal) => {
      if (!this.stopped) this.note(`${name} exited (${signal ?? `code ${code}`})`);
    });
    return proc;
  }

  private async boot(): Promise<void> {
    const haproxyBin = findHaproxy(process.env); // the clear error first
    for (const name of ['redis', 'postgres', 'rabbitmq', 's3', 'haproxy', ...this.webNames, ...this.workerNames]) this.lab.addHost(name);
    await Promise.all([this.startRedis(), this.startPostgres(), this.startRabbit(), this.startS3()]);
    await this.migrate();
    await Promise.all([...this.webNames.map((n) => this.startStrobe(n, 'web')), ...this.workerNames.map((n) => this.startStrobe(n, 'worker'))]);
    await this.startHaproxy(haproxyBin);
  }

  private async startRedis(): Promise<void> {
    const { address } = this.lab.host('redis');
    const dir = this.tmp('redis');
    const proc = this.run('redis', 'redis', 'redis-server', ['--bind', address, '--port', '6379', '--save', '', '--appendonly', 'no', '--protected-mode', 'no', '--dir', dir]);
    await waitForPort(address, 6379, 'redis-server', proc);
  }

  /** A cluster of its own from initdb, trusting the lab's network, owned by the postgres user. */
  private async startPostgres(): Promise<void> {
    const { address } = this.lab.host('postgres');
    const dir = this.tmp('pg');
    const data = join(dir, 'data');
    // PostgreSQL refuses to run as root.
    const user = userInfo().uid === 0 ? 'postgres' : undefined;
    const asUser = (cmd: string, args: string[]) => (user ? ['setpriv', ['--reuid', user, '--regid', user, '--init-groups', cmd, ...args]] : [cmd, args]) as [string, string[]];
    if (user) {
      const uid = Number(execFileSync('id', ['-u', user], { encoding: 'utf8' }).trim());
      const gid = Number(execFileSync('id', ['-g', user], { encoding: 'utf8' }).trim());
      chownSync(dir, uid, gid);
    }
    const [initCmd, initArgs] = asUser(postgresBin('initdb'), ['-D', data, '-U', 'postgres', '--auth=trust', '--no-sync', '-E', 'UTF8']);
    execFileSync(initCmd, initArgs, { stdio: 'pipe', timeout: 60_000 });
    appendFileSync(join(data, 'pg_hba.conf'), '\nhost all all 10.203.0.0/16 trust\n');
    const [cmd, args] = asUser(postgresBin('postgres'), [
      '-D', data, '-h', address, '-p', '5432', '-k', dir,
      '-c', 'fsync=off', '-c', 'synchronous_commit=off', '-c', 'full_page_writes=off', '-c', 'max_connections=200',
    ]);
    const proc = this.run('postgres', 'postgres', cmd, args);
    await waitForPort(address, 5432, 'postgres', proc);
    // The server accepts connections a moment before it accepts queries: createdb retries.
    for (let attempt = 0; ; attempt++) {
      try {
        execFileSync(postgresBin('createdb'), ['-h', address, '-U', 'postgres', 'strobe'], { stdio: 'pipe', timeout: 10_000 });
        return;
      } catch (err) {
        if (attempt >= 20) throw new Error(`createdb failed: ${(err as { stderr?: Buffer }).stderr?.toString() ?? err}`);
        await delay(250);
      }
    }
  }

  /** A RabbitMQ node of its own (no plugins), run as the rabbitmq user with its own files. */
  private async startRabbit(): Promise<void> {
    const { address } = this.lab.host('rabbitmq');
    const dir = this.tmp('rabbitmq');
    writeFileSync(join(dir, 'rabbitmq.conf'), 'listeners.tcp.default = 5672\nloopback_users = none\nlog.console.level = warning\n');
    writeFileSync(join(dir, 'enabled_plugins'), '[].\n');
    writeFileSync(join(dir, 'env.conf'), ''); // not the machine's rabbitmq-env.conf, which pins it to 127.0.0.1
    execFileSync('chown', ['-R', 'rabbitmq:rabbitmq', dir]);
    const env = {
      PATH: process.env.PATH,
      HOME: dir, // its Erlang cookie
      RABBITMQ_CONF_ENV_FILE: join(dir, 'env.conf'),
      RABBITMQ_NODENAME: `strobe${this.lab.id}@localhost`,
      RABBITMQ_CONFIG_FILE: join(dir, 'rabbitmq.conf'),
      RABBITMQ_ENABLED_PLUGINS_FILE: join(dir, 'enabled_plugins'),
      RABBITMQ_MNESIA_BASE: join(dir, 'mnesia'),
      RABBITMQ_LOG_BASE: join(dir, 'log'),
      RABBITMQ_LOGS: '-',
      ERL_EPMD_ADDRESS: '127.0.0.1',
    };
    const proc = this.run('rabbitmq', 'rabbitmq', 'setpriv', ['--reuid', 'rabbitmq', '--regid', 'rabbitmq', '--init-groups', '/usr/lib/rabbitmq/bin/rabbitmq-server'], env);
    await waitForPort(address, 5672, 'rabbitmq-server', proc);
  }

  /** s3rver (a dev dependency) with the bucket the instances use. */
  private async startS3(): Promise<void> {
    const { address } = this.lab.host('s3');
    const dir = this.tmp('s3');
    const script = `
      const S3rver = require('s3rver');
      new S3rver({ address: ${JSON.stringify(address)}, port: 4568, silent: true, directory: ${JSON.stringify(dir)}, configureBuckets: [{ name: ${JSON.stringify(BUCKET)}, configs: [] }] })
        .run().then(() => console.log('s3rver up'), (err) => { console.error(err); process.exit(1); });`;
    const proc = this.run('s3', 's3', process.execPath, ['-e', script]);
    await waitForPort(address, 4568, 's3rver', proc);
  }

  private strobeEnv(host: string): Record<string, string | undefined> {
    const { METRICS_PORT: _one, ...env } = process.env;
    const at = (name: string) => this.lab.host(name).address;
    return {
      ...env,
      NODE_ENV: 'test',
      DATABASE_URL: this.databaseUrl,
      REDIS_URL: `redis://${at('redis')}:6379`,
      AMQP_URL: `amqp://guest:guest@${at('rabbitmq')}:5672`,
      REDIS_PREFIX: 'strobe:',
      SESSION_SECRET: this.sessionSecret,
      // Scratch space of its own: nothing is shared through the filesystem.
      DATA_DIR: this.tmp(`data-${host}`),
      S3_BUCKET: BUCKET,
      S3_ENDPOINT: `http://${at('s3')}:4568`,
      S3_REGION: 'us-east-1',
      S3_ACCESS_KEY_ID: 'S3RVER',
      S3_SECRET_ACCESS_KEY: 'S3RVER',
      S3_FORCE_PATH_STYLE: 'true',
      HOST: at(host),
      PORT: String(WEB_PORT),
      // HAProxy replaces X-Forwarded-For and connects from its own address: the one trusted hop.
      TRUST_PROXY: at('haproxy'),
      LOG_LEVEL: 'warn',
      REGISTRATION: 'open',
    };
  }

  private strobeCommand(args: string[]): [string, string[]] {
    // The sources, as the e2e tests run them: no stale build can hide a change.
    return [process.execPath, ['--import', 'tsx', `${ROOT}src/main.ts`, ...args]];
  }

  private async migrate(): Promise<void> {
    const host = this.webNames[0] ?? this.workerNames[0]!;
    const [cmd, args] = this.strobeCommand(['migrate']);
    const proc = this.run('migrate', host, cmd, args, this.strobeEnv(host));
    const code = await new Promise<number | null>((resolve) => proc.child.once('exit', resolve));
    if (code !== 0) throw new Error(`strobe migrate failed (${code}):\n${proc.logs.join('\n')}`);
  }

  /** Starts `strobe web` or `strobe worker` in its host and resolves once it says it is up. */
  startStrobe(name: string, role: 'web' | 'worker'): Promise<void> {
    const [cmd, args] = this.strobeCommand([role]);
    const proc = this.run(name, name, cmd, args, this.strobeEnv(name), true);
    return new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${name} did not start in ${START_TIMEOUT_MS / 1000} s:\n${proc.logs.join('\n')}`)), START_TIMEOUT_MS);
      proc.child.on('message', (msg: { type?: string }) => {
        if (msg?.type !== 'strobe.up') return;
        clearTimeout(timer);
        this.note(`${name} is up (pid ${proc.child.pid})`);
        resolve();
      });
      proc.child.once('exit', (code, signal) => {
        clearTimeout(timer);
        reject(new Error(`${name} exited (${signal ?? code}) before it was up:\n${proc.logs.join('\n')}`));
      });
    });
  }

  /** HAProxy with the shipped configuration, these instances as its servers, and a stats socket for the tests. */
  private async startHaproxy(bin: string): Promise<void> {
    const dir = this.tmp('haproxy');
    this.haproxySocket = join(dir, 'admin.sock');
    const servers = this.webNames.map((name) => ({ name, host: this.lab.host(name).address, port: WEB_PORT }));
    const config = haproxyConfig(shippedHaproxyConfig(), servers).replace(/^global\n/m, `global\n  stats socket ${this.haproxySocket} mode 600 level admin\n`);
    if (!config.includes('stats socket')) throw new Error('deploy/haproxy.cfg has no global section to add the stats socket to');
    const file = join(dir, 'haproxy.cfg');
    writeFileSync(file, config);
    const address = this.lab.host('haproxy').address;
    const proc = this.run('haproxy', 'haproxy', bin, ['-db', '-f', file], { ...process.env, STROBE_BIND: `${address}:${LB_PORT}` });
    await waitForPort(address, LB_PORT, 'haproxy', proc);
    // Until every instance is in the pool: tests count on the load being spread from the start.
    const deadline = Date.now() + START_TIMEOUT_MS;
    for (;;) {
      const status = await this.balancerStatus().catch(() => ({}) as Record<string, string>);
      if (this.webNames.every((n) => status[n] === 'UP')) return;
      if (Date.now() > deadline) throw new Error(`HAProxy did not mark every instance up: ${JSON.stringify(status)}`);
      await delay(200);
    }
  }
}

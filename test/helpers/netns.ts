// Separate hosts on one machine: each "host" is a network namespace of its own with one veth into a
// bridge that lives in a namespace of its own, addresses in 10.203.0.0/16 only. The test process (in
// the root namespace) joins the bridge through one more veth, so it reaches every host the way a
// client reaches servers on a LAN. Nothing is shared over loopback.
//
// A partition between two hosts is bridge port isolation: two isolated ports of a bridge exchange no
// frame, in either direction, while each keeps talking to every other port. Nothing tells either side
// (no reset, no ICMP, no local error): a silent partition, as a cut cable or a firewall that drops.
// It also works without `tc` or a firewall (this machine's kernel has neither).
//
// Namespaces are named `strobe-nt-<run id>-<host>`, and an owner file records the process that made
// them: a run that crashed leaves namespaces whose owner is dead, and the next run removes them.
import { execFileSync, spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export const NETNS_PREFIX = 'strobe-nt-';
/** A run's namespaces (`strobe-nt-<id>-<host>`) and its dir (`strobe-nt-<id>`). */
const RUN_PATTERN = /^strobe-nt-([0-9a-f]{6})(?:-|$)/;
/** The only addresses these tests use. */
const NETWORK = '10.203';
/**
 * Where runs keep their files: not the test run's TMPDIR, which is private to root (the services
 * run as their own users and must reach their dirs) and differs between runs (a later run must find
 * what a crashed one left).
 */
const BASE = '/tmp';

export interface NetHost {
  name: string;
  /** The namespace it runs in. */
  ns: string;
  address: string;
  /** Its veth's end in the bridge namespace. */
  port: string;
}

function ip(...args: string[]): string {
  return execFileSync('ip', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 10_000 });
}

function runDir(id: string): string {
  return join(BASE, `${NETNS_PREFIX}${id}`);
}

function ownerFile(id: string): string {
  return join(runDir(id), 'owner');
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function namespaces(): string[] {
  // `ip netns list` prints "name" or "name (id: N)".
  return ip('netns', 'list')
    .split('\n')
    .map((line) => line.split(' ')[0]!)
    .filter(Boolean);
}

/** Kills every process in a namespace (by pid) and deletes the namespace; its veths go with it. */
function removeNamespace(ns: string): void {
  try {
    for (const pid of ip('netns', 'pids', ns).split('\n').filter(Boolean).map(Number)) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // gone already
      }
    }
  } catch {
    // no such namespace
  }
  try {
    ip('netns', 'del', ns);
  } catch {
    // raced with another cleanup
  }
}

/** Everything of a run: its namespaces (and their processes), its root veth, its dir (temp dirs, owner file). */
function removeRun(id: string): void {
  for (const ns of namespaces()) if (RUN_PATTERN.exec(ns)?.[1] === id) removeNamespace(ns);
  try {
    ip('link', 'del', `snt${id}`);
  } catch {
    // went with the bridge namespace
  }
  rmSync(runDir(id), { recursive: true, force: true });
}

/** Removes what earlier runs left behind when they died before their cleanup ran. Returns their ids. */
export function removeLeftovers(): string[] {
  const ids = new Set<string>();
  for (const ns of namespaces()) {
    const id = RUN_PATTERN.exec(ns)?.[1];
    if (id) ids.add(id);
  }
  for (const entry of readdirSync(BASE)) {
    const id = RUN_PATTERN.exec(entry)?.[1];
    if (id) ids.add(id);
  }
  const removed: string[] = [];
  for (const id of ids) {
    const file = ownerFile(id);
    const owner = existsSync(file) ? Number(readFileSync(file, 'utf8')) : NaN;
    if (Number.isInteger(owner) && owner > 0 && alive(owner)) continue; // a run in progress
    removeRun(id);
    removed.push(id);
  }
  return removed;
}

/** A /24 of 10.203.0.0/16 that no address or route of the root namespace uses yet. */
function freeSubnet(): number {
  const used = ip('-4', 'addr', 'show') + ip('-4', 'route', 'show');
  for (let attempt = 0; attempt < 50; attempt++) {
    const n = 1 + Math.floor(Math.random() * 250);
    if (!used.includes(`${NETWORK}.${n}.`)) return n;
  }
  throw new Error(`no free /24 left in ${NETWORK}.0.0/16`);
}

export class NetnsLab {
  readonly id = randomBytes(3).toString('hex');
  readonly prefix = `${NETNS_PREFIX}${this.id}`;
  readonly subnet = freeSubnet();
  /** The test process's address on the bridge. */
  readonly rootAddress = `${NETWORK}.${this.subnet}.254`;
  readonly hosts = new Map<string, NetHost>();
  private readonly bridgeNs = `${this.prefix}-br`;
  private readonly rootLink = `snt${this.id}`;
  private readonly isolated = new Set<string>();
  private destroyed = false;

  /** Creates the bridge and the root namespace's way onto it. Call destroy() afterwards, whatever happens. */
  static create(): NetnsLab {
    if (process.getuid?.() !== 0) throw new Error('network namespaces need root');
    removeLeftovers();
    const lab = new NetnsLab();
    mkdirSync(runDir(lab.id), { mode: 0o755 });
    writeFileSync(ownerFile(lab.id), String(process.pid));
    try {
      lab.setUp();
    } catch (err) {
      lab.destroy();
      throw err;
    }
    return lab;
  }

  private setUp(): void {
    const br = this.bridgeNs;
    ip('netns', 'add', br);
    ip('-n', br, 'link', 'set', 'lo', 'up');
    ip('-n', br, 'link', 'add', 'br0', 'type', 'bridge');
    ip('-n', br, 'link', 'set', 'br0', 'up');
    ip('link', 'add', this.rootLink, 'type', 'veth', 'peer', 'name', 'p-root', 'netns', br);
    this.plug('p-root');
    ip('addr', 'add', `${this.rootAddress}/24`, 'dev', this.rootLink);
    ip('link', 'set', this.rootLink, 'up');
  }

  private plug(port: string): void {
    ip('-n', this.bridgeNs, 'link', 'set', port, 'master', 'br0');
    ip('-n', this.bridgeNs, 'link', 'set', port, 'up');
  }

  /** A new host: a namespace with loopback and one address on the bridge. */
  addHost(name: string): NetHost {
    if (!/^[a-z][a-z0-9]{0,11}$/.test(name)) throw new Error(`host name "${name}": 1-12 lowercase letters and digits`);
    if (this.hosts.has(name)) throw new Error(`host ${name} exists`);
    if (this.hosts.size >= 250) throw new Error('a lab holds at most 250 hosts');
    const host: NetHost = { name, ns: `${this.prefix}-${name}`, address: `${NETWORK}.${this.subnet}.${this.hosts.size + 1}`, port: `p-${name}` };
    ip('netns', 'add', host.ns);
    this.hosts.set(name, host);
    ip('-n', host.ns, 'link', 'set', 'lo', 'up');
    ip('link', 'add', 'eth0', 'netns', host.ns, 'type', 'veth', 'peer', 'name', host.port, 'netns', this.bridgeNs);
    this.plug(host.port);
    ip('-n', host.ns, 'addr', 'add', `${host.address}/24`, 'dev', 'eth0');
    ip('-n', host.ns, 'link', 'set', 'eth0', 'up');
    return host;
  }

  host(name: string): NetHost {
    const host = this.hosts.get(name);
    if (!host) throw new Error(`no host named ${name}`);
    return host;
  }

  /**
   * Cuts the link between two hosts, both ways, silently. One cut at a time: isolation cuts every
   * isolated port from every other, so a second pair would also cut the first pair's hosts apart.
   */
  cut(a: string, b: string): void {
    const ports = [this.host(a).port, this.host(b).port];
    if (this.isolated.size > 0 && !ports.every((p) => this.isolated.has(p))) {
      throw new Error(`restore the current cut (${[...this.isolated].join(', ')}) first: one cut at a time`);
    }
    for (const port of ports) {
      ip('-n', this.bridgeNs, 'link', 'set', 'dev', port, 'type', 'bridge_slave', 'isolated', 'on');
      this.isolated.add(port);
    }
  }

  restore(a: string, b: string): void {
    for (const port of [this.host(a).port, this.host(b).port]) {
      ip('-n', this.bridgeNs, 'link', 'set', 'dev', port, 'type', 'bridge_slave', 'isolated', 'off');
      this.isolated.delete(port);
    }
  }

  /** A new empty dir of this run's (removed with the lab), e.g. a service's data. */
  tmpDir(what: string): string {
    return mkdtempSync(join(runDir(this.id), `${what}-`));
  }

  /** Runs a command in a host's namespace. `ip netns exec` execs it: the child's pid is the command's. */
  spawn(host: string, command: string, args: readonly string[], opts: SpawnOptions = {}): ChildProcess {
    return spawn('ip', ['netns', 'exec', this.host(host).ns, command, ...args], opts);
  }

  /** Kills every process in the lab's namespaces and removes them, the root veth and the run's temp dirs. */
  destroy(): void {
    if (this.destroyed) return;
    this.destroyed = true;
    removeRun(this.id);
  }
}

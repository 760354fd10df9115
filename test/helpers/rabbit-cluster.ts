// Three local RabbitMQ nodes clustered together, for fault tests: node names, ports, data and log
// directories, config and Erlang cookie of their own, all under one temporary directory that goes
// away with them. The machine's own broker (rabbit@localhost on 5672) and its epmd are never
// touched: our nodes only register their names with that epmd, as any Erlang node does.
//
// Ports: AMQP 5701-5703, Erlang distribution 25701-25703, the CLI tools' own distribution port in
// 35701-35703. Management stays off. The CLI tools are called by their real path
// (/usr/lib/rabbitmq/bin): Debian's wrappers in /usr/sbin switch to the rabbitmq user and its HOME,
// whose cookie belongs to the machine's broker.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, closeSync, mkdirSync, openSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { promisify } from 'node:util';

const run = promisify(execFile);
const BIN = '/usr/lib/rabbitmq/bin';
const AMQP_PORTS = [5701, 5702, 5703];
const DIST_PORTS = [25701, 25702, 25703];
const START_TIMEOUT_MS = 120_000;

export interface RabbitNode {
  /** `strobe-<run>-<n>@localhost` */
  name: string;
  amqpPort: number;
  /** `amqp://guest:guest@127.0.0.1:<port>` (the default vhost of this throwaway cluster) */
  url: string;
  process: ChildProcess;
}

export interface RabbitCluster {
  nodes: RabbitNode[];
  /** AMQP_URL for Strobe: every node, comma-separated. */
  amqpUrl: string;
  /** Runs a CLI tool (`rabbitmqctl`, `rabbitmq-queues`, …) against a node, with this cluster's cookie. */
  cli(tool: 'rabbitmqctl' | 'rabbitmq-queues' | 'rabbitmq-diagnostics', node: RabbitNode, args: string[], timeoutMs?: number): Promise<string>;
  /** The node leading a quorum queue, asked of any node still running. */
  leaderOf(queue: string): Promise<RabbitNode>;
  /** SIGKILL of a node's Erlang VM (beam.smp): a crash, no goodbye to its peers or clients. */
  kill(node: RabbitNode): void;
  /** The last lines of a node's log files, for a failure's report. */
  logTail(node: RabbitNode, lines?: number): string;
  /** Stops every node (SIGKILL) and removes the directory; safe to call twice. */
  stop(): Promise<void>;
}

/** Starts three nodes, joins the second and third to the first, and waits until all three run. */
export async function startRabbitCluster(): Promise<RabbitCluster> {
  const dir = mkdtempSync(join(tmpdir(), 'strobe-rabbit-'));
  const home = join(dir, 'home');
  mkdirSync(home);
  // Shared by the three nodes and our CLI calls, and by nothing else on the machine.
  writeFileSync(join(home, '.erlang.cookie'), randomBytes(20).toString('hex').toUpperCase());
  chmodSync(join(home, '.erlang.cookie'), 0o400);
  const runId = randomBytes(3).toString('hex');
  const baseEnv = {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: home,
    LANG: 'C.UTF-8',
    // The machine's rabbitmq-env.conf names its own node; ours must not read it.
    RABBITMQ_CONF_ENV_FILE: join(dir, 'rabbitmq-env.conf'),
    RABBITMQ_CTL_DIST_PORT_MIN: '35701',
    RABBITMQ_CTL_DIST_PORT_MAX: '35703',
    ERL_EPMD_ADDRESS: '127.0.0.1',
  };
  writeFileSync(baseEnv.RABBITMQ_CONF_ENV_FILE, '');
  const nodes: RabbitNode[] = [];
  let stopped: Promise<void> | undefined;

  const cli: RabbitCluster['cli'] = async (tool, node, args, timeoutMs = 60_000) => {
    const { stdout } = await run(join(BIN, tool), ['-q', '-n', node.name, ...args], { env: baseEnv, timeout: timeoutMs, killSignal: 'SIGKILL' });
    return stdout;
  };

  const stop = () =>
    (stopped ??= (async () => {
      for (const node of nodes) killNode(node);
      // Whatever a node started (erl_child_setup, inet_gethost) carries its node name.
      for (const pid of processesMentioning(`strobe-${runId}-`)) killQuietly(pid);
      await Promise.all(nodes.map((n) => exited(n.process, 10_000)));
      rmSync(dir, { recursive: true, force: true });
    })());

  try {
    for (let i = 0; i < 3; i++) nodes.push(launch(i));
    // One at a time: the CLI tools share three distribution ports (35701-35703).
    for (const node of nodes) await awaitStartup(node);
    for (const node of nodes.slice(1)) {
      await cli('rabbitmqctl', node, ['stop_app']);
      await cli('rabbitmqctl', node, ['join_cluster', nodes[0]!.name]);
      await cli('rabbitmqctl', node, ['start_app'], START_TIMEOUT_MS);
    }
    await waitForRunning(nodes.length);
  } catch (err) {
    const logs = nodes.map((n) => `--- ${n.name} ---\n${tail(join(dir, `node${nodes.indexOf(n) + 1}`, 'log'))}`).join('\n');
    await stop();
    throw new Error(`the RabbitMQ cluster did not start: ${(err as Error).message}\n${logs}`);
  }

  function launch(i: number): RabbitNode {
    const nodeDir = join(dir, `node${i + 1}`);
    mkdirSync(join(nodeDir, 'log'), { recursive: true });
    const name = `strobe-${runId}-${i + 1}@localhost`;
    writeFileSync(
      join(nodeDir, 'rabbitmq.conf'),
      [`listeners.tcp.local = 127.0.0.1:${AMQP_PORTS[i]}`, 'disk_free_limit.absolute = 50MB', 'log.console = false', 'log.file.level = info', ''].join('\n'),
    );
    writeFileSync(join(nodeDir, 'enabled_plugins'), '[].\n'); // management off
    const out = openSync(join(nodeDir, 'log', 'console.log'), 'a');
    const child = spawn(join(BIN, 'rabbitmq-server'), [], {
      env: {
        ...baseEnv,
        RABBITMQ_NODENAME: name,
        RABBITMQ_NODE_PORT: String(AMQP_PORTS[i]),
        RABBITMQ_DIST_PORT: String(DIST_PORTS[i]),
        RABBITMQ_MNESIA_BASE: join(nodeDir, 'mnesia'),
        RABBITMQ_LOG_BASE: join(nodeDir, 'log'),
        RABBITMQ_CONFIG_FILE: join(nodeDir, 'rabbitmq.conf'),
        RABBITMQ_ADVANCED_CONFIG_FILE: join(nodeDir, 'advanced.config'),
        RABBITMQ_ENABLED_PLUGINS_FILE: join(nodeDir, 'enabled_plugins'),
        RABBITMQ_PID_FILE: join(nodeDir, 'pid'),
        RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS: '-kernel inet_dist_use_interface {127,0,0,1}',
      },
      cwd: nodeDir,
      stdio: ['ignore', out, out],
      detached: true, // its own process group, killed as one
    });
    child.on('error', () => {});
    closeSync(out);
    return { name, amqpPort: AMQP_PORTS[i]!, url: `amqp://guest:guest@127.0.0.1:${AMQP_PORTS[i]}`, process: child };
  }

  /** `await_startup` needs a node that registered with epmd already: until then, ask again. */
  async function awaitStartup(node: RabbitNode): Promise<void> {
    const deadline = Date.now() + START_TIMEOUT_MS;
    for (;;) {
      try {
        await cli('rabbitmqctl', node, ['await_startup', '--timeout', '60'], 70_000);
        return;
      } catch (err) {
        if (node.process.exitCode !== null || Date.now() > deadline) throw err;
        await delay(500);
      }
    }
  }

  async function waitForRunning(count: number): Promise<void> {
    const deadline = Date.now() + START_TIMEOUT_MS;
    for (;;) {
      const status = JSON.parse(await cli('rabbitmqctl', nodes[0]!, ['cluster_status', '--formatter', 'json'])) as { running_nodes?: string[] };
      if ((status.running_nodes ?? []).length === count) return;
      if (Date.now() > deadline) throw new Error(`running nodes: ${JSON.stringify(status.running_nodes)}`);
      await delay(500);
    }
  }

  function beamPid(node: RabbitNode): number | undefined {
    const nodeDir = join(dir, `node${nodes.indexOf(node) + 1}`);
    try {
      const pid = Number(readFileSync(join(nodeDir, 'pid'), 'utf8').trim());
      return Number.isInteger(pid) && pid > 0 ? pid : undefined;
    } catch {
      return undefined;
    }
  }

  function killNode(node: RabbitNode): void {
    const pid = beamPid(node);
    if (pid) killQuietly(pid);
    if (node.process.pid) killQuietly(-node.process.pid); // the group: the wrapper script and the VM
  }

  return {
    nodes,
    amqpUrl: nodes.map((n) => n.url).join(','),
    cli,
    async leaderOf(queue) {
      const alive = nodes.filter((n) => n.process.exitCode === null && n.process.signalCode === null);
      let lastErr: unknown;
      for (const node of alive) {
        try {
          const rows = JSON.parse(await cli('rabbitmqctl', node, ['list_queues', 'name', 'leader', '--formatter', 'json'])) as { name: string; leader: string }[];
          const leader = rows.find((r) => r.name === queue)?.leader;
          const found = nodes.find((n) => n.name === leader);
          if (found) return found;
          lastErr = new Error(`no leader for ${queue} in ${JSON.stringify(rows)}`);
        } catch (err) {
          lastErr = err;
        }
      }
      throw lastErr instanceof Error ? lastErr : new Error(String(lastErr));
    },
    kill(node) {
      const pid = beamPid(node);
      if (!pid) throw new Error(`no pid file for ${node.name}`);
      process.kill(pid, 'SIGKILL');
    },
    logTail: (node, lines = 15) => tail(join(dir, `node${nodes.indexOf(node) + 1}`, 'log'), lines),
    stop,
  };
}

function killQuietly(pid: number): void {
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    // gone already
  }
}

function exited(child: ChildProcess, timeoutMs: number): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return Promise.race([new Promise<void>((resolve) => child.once('exit', () => resolve())), delay(timeoutMs)]);
}

/** Processes whose command line contains `text` (our node names are unique to the run). */
function processesMentioning(text: string): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    try {
      if (readFileSync(`/proc/${entry}/cmdline`, 'utf8').includes(text)) pids.push(Number(entry));
    } catch {
      // exited meanwhile
    }
  }
  return pids;
}

function tail(logDir: string, lines = 15): string {
  try {
    return readdirSync(logDir)
      .map((f) => readFileSync(join(logDir, f), 'utf8').split('\n').slice(-lines).join('\n'))
      .join('\n');
  } catch {
    return '(no logs)';
  }
}

// What the test tiers need from the machine, checked before any test runs: Debian's Chromium for the
// browser tests, Debian's HAProxy for the cluster tests, Debian's Python packages for the examples
// in other languages (they import only under /usr/bin/python3), docker-compose to render the compose
// file, redis-server and iproute2 for the fault tests (their own Redis Cluster, network namespaces),
// and the PostgreSQL, Redis and RabbitMQ the cluster tests talk to. A missing package is installed when we run as root (as CI and a fresh
// container do); otherwise the run stops at once with the one command that fixes it.
import { execFileSync, spawnSync } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { connect } from 'node:net';
import { delimiter, join } from 'node:path';

const PACKAGES = {
  chromium: { binary: 'chromium', paths: ['/usr/bin/chromium'], why: 'the browser tests' },
  haproxy: { binary: 'haproxy', paths: ['/usr/sbin/haproxy'], why: 'the cluster tests' },
  'python3-pika': { python: 'pika', why: 'the Python examples' },
  'python3-psycopg2': { python: 'psycopg2', why: 'the Python examples' },
  'python3-pil': { python: 'PIL', why: 'the Python examples' },
  'docker-compose': { binary: 'docker-compose', paths: ['/usr/bin/docker-compose'], why: 'rendering the compose file (its test runs offline)' },
  // The fault tests start their own Redis Cluster, RabbitMQ cluster and PostgreSQL, and cut links in network namespaces.
  'redis-server': { binary: 'redis-server', paths: ['/usr/bin/redis-server'], why: 'the Redis Cluster fault test' },
  iproute2: { binary: 'ip', paths: ['/usr/sbin/ip', '/sbin/ip'], why: 'the network partition fault test' },
};

const PYTHON_PACKAGES = Object.keys(PACKAGES).filter((name) => PACKAGES[name].python);

/** Debian's Python modules import under /usr/bin/python3 only (the python3 first on PATH may be another build). */
function pythonImports(module) {
  return spawnSync('/usr/bin/python3', ['-c', `import ${module}`], { stdio: 'ignore' }).status === 0;
}

function present(name) {
  const pkg = PACKAGES[name];
  return pkg.python ? pythonImports(pkg.python) : onPath(pkg.binary, pkg.paths);
}

/** The machine's own start commands, the same ones .ci/run uses. */
export const SERVICES = {
  PostgreSQL: { port: 5432, start: 'pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start' },
  Redis: { port: 6379, start: 'redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" --appendonly no --dir /var/lib/redis --logfile /var/log/redis/ci.log' },
  RabbitMQ: { port: 5672, start: 'rabbitmq-server -detached' },
};

/** What the given test files need: browser tests need Chromium; cluster and service tests the rest. */
export function needsOf(files) {
  const browser = files.some((f) => f.includes('test/browser/'));
  const services = files.some((f) => /test\/(medium|e2e|browser|faults)\//.test(f));
  const cluster = files.some((f) => /test\/(e2e|browser|faults)\//.test(f));
  const deploy = files.some((f) => f.includes('test/medium/'));
  const faults = files.some((f) => f.includes('test/faults/'));
  return {
    packages: [
      ...(browser ? ['chromium'] : []),
      ...(cluster || deploy ? ['haproxy'] : []),
      ...(cluster ? PYTHON_PACKAGES : []),
      ...(deploy ? ['docker-compose'] : []),
      ...(faults ? ['redis-server', 'iproute2'] : []),
    ],
    services,
  };
}

function onPath(binary, extra) {
  const dirs = [...(process.env.PATH ?? '').split(delimiter), '/usr/sbin', '/sbin'];
  for (const candidate of [...extra, ...dirs.filter(Boolean).map((d) => join(d, binary))]) {
    try {
      accessSync(candidate, constants.X_OK);
      return true;
    } catch {
      // not here
    }
  }
  return false;
}

function reachable(port) {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port }, () => {
      socket.destroy();
      resolve(true);
    });
    socket.setTimeout(1_000, () => (socket.destroy(), resolve(false)));
    socket.on('error', () => resolve(false));
  });
}

/** Stops the run with one line: what is missing and the command that fixes it. */
function stop(line) {
  console.error(`npm test: ${line}`);
  process.exit(1);
}

export async function preflight(files) {
  const needs = needsOf(files);
  const missing = needs.packages.filter((name) => !present(name));
  if (missing.length > 0) {
    const command = `apt-get install -y ${missing.join(' ')}`;
    const why = missing.map((m) => `${m} (${PACKAGES[m].why})`).join(' and ');
    if (process.getuid?.() !== 0) stop(`${why} missing; install with: sudo apt-get update && sudo ${command}`);
    console.log(`npm test: installing ${why} from Debian`);
    const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
    for (const args of [['update', '-qq'], ['install', '-y', '-qq', ...missing]]) {
      const run = spawnSync('apt-get', args, { stdio: ['ignore', 'ignore', 'inherit'], env });
      if (run.status !== 0) stop(`apt-get ${args.join(' ')} failed (exit ${run.status}); run it yourself: ${command}`);
    }
  }
  if (!needs.services) return;
  for (const [name, service] of Object.entries(SERVICES)) {
    if (await reachable(service.port)) continue;
    // CI must never skip a cluster test; a developer gets a loud line and the skipped tests say why.
    if (process.env.CI) stop(`${name} is not reachable on 127.0.0.1:${service.port}; start it with: ${service.start}`);
    console.error(`\n!!! npm test: ${name} is not reachable on 127.0.0.1:${service.port}; its tests will be SKIPPED. Start it with: ${service.start}\n`);
  }
}

/** For .ci/run: start each service that is down with the machine's own command. */
export async function startServices() {
  for (const [name, service] of Object.entries(SERVICES)) {
    if (await reachable(service.port)) continue;
    console.log(`starting ${name}`);
    try {
      execFileSync('bash', ['-c', service.start], { stdio: 'inherit' });
    } catch {
      console.error(`warning: could not start ${name}`);
      continue;
    }
    // RabbitMQ detaches long before it listens: wait, so the tests' own check finds it up.
    for (let i = 0; i < 120 && !(await reachable(service.port)); i++) await new Promise((r) => setTimeout(r, 500));
  }
}

if (process.argv[2] === 'start-services') await startServices();

// The deployment files (Dockerfile, deploy/compose.yaml, deploy/k8s) checked without a container
// engine or a cluster: parsed and held to what the app needs (its environment variables, its
// commands, its health endpoints, its drain), then rendered by the real tools, `docker-compose
// config` and `kubectl kustomize`, which run offline. The rendered configuration goes through
// loadConfig, so a deployment file that the app would refuse fails here first. Building and
// running the image is scripts/image-smoke.sh (needs podman; not part of npm test).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { parse, parseAllDocuments } from 'yaml';
import { ConfigError, loadConfig } from '../../src/config.js';

const ROOT = new URL('../../', import.meta.url).pathname;
const read = (path: string) => readFileSync(join(ROOT, path), 'utf8');

type Obj = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

// --- what the app reads and runs -------------------------------------------------------------------

/** Every variable src/config.ts reads: each appears there as a quoted upper-case name. */
function configVariables(): Set<string> {
  const names = new Set([...read('src/config.ts').matchAll(/'([A-Z][A-Z0-9_]+)'/g)].map((m) => m[1]!));
  // The extraction itself must not silently find nothing.
  for (const known of ['DATABASE_URL', 'SESSION_SECRET', 'PUBLIC_URL', 'S3_BUCKET', 'PORT', 'TRUST_PROXY']) assert.ok(names.has(known), `config.ts no longer names ${known}?`);
  return names;
}

/** Variables a deployment does not set: the image does, or they exist for tests. */
const NOT_FOR_DEPLOYMENTS = new Map([
  ['PORT', 'the image sets it (Dockerfile ENV)'],
  ['HOST', 'the image sets it (Dockerfile ENV)'],
  ['DATA_DIR', 'the image sets it (Dockerfile ENV)'],
  ['WEB_DIR', 'the image holds the built app where the default points'],
  ['SESSION_TTL_SECONDS', 'for tests of expiry'],
]);

function deploymentVariables(): Set<string> {
  return new Set([...configVariables()].filter((name) => !NOT_FOR_DEPLOYMENTS.has(name)));
}

/** The `strobe` commands src/main.ts dispatches. */
function strobeCommands(): Set<string> {
  const main = read('src/main.ts');
  const commands = new Set([...main.matchAll(/case '([a-z]+)':/g)].map((m) => m[1]!));
  for (const known of ['start', 'web', 'worker', 'migrate']) assert.ok(commands.has(known), `main.ts no longer dispatches ${known}?`);
  return commands;
}

function assertStrobeCommand(args: unknown, where: string): void {
  assert.ok(Array.isArray(args) && typeof args[0] === 'string', `${where}: the command should be an exec-form list`);
  assert.ok(strobeCommands().has(args[0]), `${where}: "${args[0]}" is not a strobe command`);
}

/**
 * A tool the rendering tests need: in CI its absence fails the test (preflight installs it from
 * Debian); elsewhere it skips, loudly. kubectl is the exception (`debianPackage` null): Debian's
 * kubernetes-client is 1.20, whose kustomize is too old for these manifests, and no other source
 * is reachable, so a machine without it skips the Kubernetes rendering even in CI, loudly.
 */
function tool(t: TestContext, binary: string, debianPackage: string | null): boolean {
  const found = spawnSync('sh', ['-c', `command -v ${binary}`], { encoding: 'utf8' }).status === 0;
  if (found) return true;
  const message = debianPackage ? `${binary} is not installed (apt-get install -y ${debianPackage})` : `${binary} is not installed (1.21 or newer: kustomize v4+; Debian has none)`;
  if (process.env.CI && debianPackage) assert.fail(`${message}; in CI the deployment files are always rendered`);
  console.error(`\n!!! SKIPPED: ${message} !!!\n`);
  t.skip(message);
  return false;
}

function run(command: string, args: string[], env: Record<string, string> = {}) {
  // A clean environment: docker-compose lets the caller's variables override the env file.
  const result = spawnSync(command, args, { cwd: ROOT, encoding: 'utf8', timeout: 60_000, env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: tmpdir(), ...env } });
  assert.equal(result.error, undefined, `${command} ${args.join(' ')}: ${result.error?.message}`);
  return result;
}

// --- Dockerfile ----------------------------------------------------------------------------------

interface Instruction {
  op: string;
  args: string;
}

/** The Dockerfile's instructions, continuation lines joined, comments dropped. */
function dockerfile(): Instruction[] {
  const joined = read('Dockerfile')
    .split('\n')
    .filter((line) => !/^\s*#/.test(line))
    .join('\n')
    .replace(/\\\n/g, ' ');
  return joined
    .split('\n')
    .map((line) => line.trim())
    .filter(Boolean)
    .map((line) => {
      const [op, ...rest] = line.split(/\s+/);
      return { op: op!.toUpperCase(), args: rest.join(' ') };
    });
}

/** The instructions of the last stage (the image that runs). */
function runtimeStage(): Instruction[] {
  const all = dockerfile();
  const lastFrom = all.map((i) => i.op).lastIndexOf('FROM');
  return all.slice(lastFrom);
}

test('Dockerfile: multi-stage on a pinned Node 20 slim, built with npm ci, dev dependencies left out', () => {
  const all = dockerfile();
  const base = all.find((i) => i.op === 'ARG' && i.args.startsWith('NODE_IMAGE='));
  assert.ok(base, 'the base image is one ARG, used by every stage');
  assert.match(base.args, /^NODE_IMAGE=node:20\.\d+\.\d+-bookworm-slim$/, 'Node 20 on Debian slim (glibc, for sharp and argon2), pinned to a release');
  const froms = all.filter((i) => i.op === 'FROM');
  assert.ok(froms.length >= 2, 'a build stage and a runtime stage');
  assert.match(froms.at(-1)!.args, /^\$\{NODE_IMAGE\}/, 'the runtime stage starts from the slim base, not from the build stage');
  const runs = all.filter((i) => i.op === 'RUN').map((i) => i.args);
  assert.ok(runs.some((r) => /npm ci\b/.test(r)), 'dependencies from the lockfile');
  assert.ok(runs.some((r) => /npm run build/.test(r)), 'the server and the browser app are built');
  assert.ok(runs.some((r) => /npm prune --omit=dev/.test(r) || /npm ci .*--omit=dev/.test(r)), 'the image carries production dependencies only');
});

test('Dockerfile: a non-root user, a HEALTHCHECK on /healthz, the strobe CLI as entrypoint with real commands', () => {
  const stage = runtimeStage();
  const user = stage.filter((i) => i.op === 'USER').at(-1);
  assert.ok(user, 'the runtime stage sets USER');
  const uid = user.args.split(':')[0]!;
  assert.match(uid, /^\d+$/, 'a numeric user, so Kubernetes can check runAsNonRoot');
  assert.notEqual(Number(uid), 0, 'not root');

  const env = new Map(stage.filter((i) => i.op === 'ENV').flatMap((i) => [...i.args.matchAll(/([A-Z_]+)=(\S+)/g)].map((m) => [m[1]!, m[2]!] as const)));
  for (const name of ['PORT', 'HOST', 'DATA_DIR']) assert.ok(env.has(name), `the image sets ${name} (${NOT_FOR_DEPLOYMENTS.get(name)})`);
  const port = env.get('PORT')!;
  assert.equal(env.get('NODE_ENV'), 'production');
  assert.ok(stage.some((i) => i.op === 'EXPOSE' && i.args.split(/\s+/).includes(port)), `EXPOSE ${port}`);
  assert.ok(stage.some((i) => i.op === 'VOLUME' && i.args.includes(env.get('DATA_DIR')!)), 'DATA_DIR is a volume');

  const health = stage.find((i) => i.op === 'HEALTHCHECK');
  assert.ok(health, 'HEALTHCHECK');
  assert.match(health.args, /CMD \["node",/, 'asked with node: slim images have no curl');
  assert.match(health.args, /\/healthz/);

  const entrypoint = JSON.parse(stage.find((i) => i.op === 'ENTRYPOINT')!.args) as string[];
  assert.equal(entrypoint[0], 'node');
  assert.match(entrypoint[1]!, /\/bin\/strobe\.js$/);
  assert.ok(existsSync(join(ROOT, 'bin/strobe.js')));
  assert.ok(stage.some((i) => i.op === 'COPY' && /^bin\b/.test(i.args)), 'bin/ is in the image');
  assertStrobeCommand(JSON.parse(stage.find((i) => i.op === 'CMD')!.args), 'Dockerfile CMD');
});

test('.dockerignore keeps local state out and lets every COPY source in', () => {
  const patterns = read('.dockerignore')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#'));
  const ignored = (path: string) => patterns.some((p) => p.replace(/^\*\*\//, '') === path.split('/')[0] || p === path);
  for (const path of ['node_modules', 'dist', 'data', '.git']) assert.ok(ignored(path), `${path} stays out of the build context`);
  const sources = dockerfile()
    .filter((i) => i.op === 'COPY' && !i.args.startsWith('--from'))
    .flatMap((i) => i.args.split(/\s+/).slice(0, -1));
  assert.ok(sources.length > 0);
  for (const source of sources) {
    assert.ok(existsSync(join(ROOT, source)), `COPY ${source}: no such file`);
    assert.ok(!ignored(source), `COPY ${source}: .dockerignore leaves it out`);
  }
});

// --- compose ----------------------------------------------------------------------------------------

const STROBE_SERVICES = ['migrate', 'web', 'worker'];

function compose(): Obj {
  return parse(read('deploy/compose.yaml'), { merge: true }) as Obj;
}

/** KEY=value lines of deploy/.env.example. */
function envExample(): Map<string, string> {
  return new Map(
    read('deploy/.env.example')
      .split('\n')
      .filter((l) => /^[A-Z_][A-Z0-9_]*=/.test(l))
      .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)] as const),
  );
}

test('compose: every service has a health check or says why not, and keeps its data in a named volume', () => {
  const file = compose();
  const services = file.services as Obj;
  assert.deepEqual(Object.keys(services).sort(), ['haproxy', 'migrate', 'postgres', 'rabbitmq', 'redis', 'web', 'worker']);
  for (const [name, service] of Object.entries(services)) {
    assert.ok(service.healthcheck, `${name} has a healthcheck section`);
    if (service.healthcheck.disable) {
      // Only the roles without an HTTP port: the one-shot migration and the worker.
      assert.ok(['migrate', 'worker'].includes(name), `${name} turns its health check off`);
    } else {
      assert.ok(Array.isArray(service.healthcheck.test) && service.healthcheck.test.length > 1, `${name} has a health check command`);
      assert.ok(service.healthcheck.interval && service.healthcheck.retries, `${name}'s check has an interval and retries`);
    }
    assert.ok(service.restart, `${name} says how it restarts`);
    // Strobe's own image is the one built from this repository (STROBE_IMAGE names another).
    if (!STROBE_SERVICES.includes(name)) assert.match(String(service.image), /^[\w./-]+:\d[\w.-]*$/, `${name}'s image is pinned to a version`);
  }
  assert.match(services.web.healthcheck.test.join(' '), /\/healthz/);

  const volumes = Object.keys(file.volumes as Obj);
  const mount = (service: string, target: string) => (services[service].volumes as string[]).find((v) => v.split(':')[1] === target)?.split(':')[0];
  assert.equal(mount('postgres', '/var/lib/postgresql/data'), 'pgdata');
  assert.equal(mount('redis', '/data'), 'redisdata');
  assert.equal(mount('rabbitmq', '/var/lib/rabbitmq'), 'rabbitdata');
  for (const name of STROBE_SERVICES) assert.equal(mount(name, '/data'), 'strobe-data', `${name} shares the photos volume`);
  for (const name of ['pgdata', 'redisdata', 'rabbitdata', 'strobe-data']) assert.ok(volumes.includes(name), `${name} is a named volume`);
  // Sessions live in Redis: one that restarts empty signs everyone out.
  assert.match(services.redis.command.join(' '), /--appendonly yes/);
  assert.equal(services.rabbitmq.hostname, 'rabbitmq', 'a fixed host name: RabbitMQ keeps its data under its node name');
});

test('compose: migrate runs once before web and worker; web scales behind HAProxy; containers drain', () => {
  const services = compose().services as Obj;
  assertStrobeCommand(services.migrate.command, 'migrate');
  assert.equal(services.migrate.command[0], 'migrate');
  assert.equal(services.migrate.restart, 'no');
  for (const name of ['web', 'worker']) {
    assert.equal(services[name].command[0], name);
    assertStrobeCommand(services[name].command, name);
    assert.equal(services[name].depends_on.migrate.condition, 'service_completed_successfully', `${name} waits for the migration`);
    assert.ok(services[name].deploy.replicas, `${name} sets its replicas`);
  }
  for (const name of STROBE_SERVICES) {
    for (const dep of ['postgres', 'redis', 'rabbitmq']) assert.equal(services[name].depends_on[dep].condition, 'service_healthy', `${name} waits for ${dep}`);
    assert.equal(services[name].read_only, true, `${name} has a read-only root file system`);
    assert.ok(services[name].tmpfs.includes('/tmp'), `${name} has a writable /tmp`);
    // Strobe drains within 10 s; Docker's default grace period is those same 10 s.
    assert.ok(Number.parseInt(services[name].stop_grace_period, 10) > 10, `${name} gets more than the 10 s drain before SIGKILL`);
  }
  assert.equal(services.web.ports, undefined, 'web instances are reached through HAProxy only (TRUST_PROXY=1 relies on it)');
  assert.deepEqual(Object.keys(services).filter((name) => services[name].ports), ['haproxy']);

  const [source, target] = (services.haproxy.volumes as string[])[0]!.split(':');
  assert.equal(target, '/usr/local/etc/haproxy/haproxy.cfg');
  const cfg = read(join('deploy', source!)).replace(/#.*$/gm, '');
  assert.match(cfg, /server-template web \d+ web:3000 check resolvers docker/, 'every web replica, found by DNS');
  assert.match(cfg, /http-check send meth GET uri \/readyz/, 'instances leave the pool while draining');
  assert.match(cfg, /timeout tunnel/, 'WebSockets stay open');
  assert.doesNotMatch(cfg, /\bcookie\b|balance source|stick/, 'no sticky sessions: clients use the WebSocket transport only');
  assert.match(read('src/realtime/socket-server.ts'), /transports: \['websocket'\]/, 'the server still refuses long polling (else HAProxy needs sticky sessions)');
});

test('compose: every variable it uses is in .env.example, and every variable the app reads is passed', () => {
  const text = read('deploy/compose.yaml');
  const used = new Set([...text.matchAll(/\$\{([A-Z_][A-Z0-9_]*)/g)].map((m) => m[1]!));
  const example = envExample();
  for (const name of used) assert.ok(example.has(name), `${name} is used by compose.yaml but not in .env.example`);
  for (const name of example.keys()) assert.ok(used.has(name) || name === 'COMPOSE_PROJECT_NAME', `${name} in .env.example is used nowhere`);
  // What has no default must be chosen by the operator: no password or secret ships filled in.
  const required = new Set([...text.matchAll(/\$\{([A-Z_][A-Z0-9_]*):\?/g)].map((m) => m[1]!));
  for (const name of ['SESSION_SECRET', 'PUBLIC_URL', 'POSTGRES_PASSWORD', 'REDIS_PASSWORD', 'RABBITMQ_PASSWORD']) {
    assert.ok(required.has(name), `${name} is required`);
    assert.equal(example.get(name), '', `${name} is empty in .env.example`);
  }

  const env = compose()['x-strobe'].environment as Obj;
  for (const name of deploymentVariables()) assert.ok(name in env, `${name} (read by src/config.ts) is not passed to the Strobe containers`);
  for (const name of Object.keys(env)) assert.ok(configVariables().has(name), `${name} is passed but Strobe reads no such variable`);
});

/** .env.example with its required values filled in, as an operator would. */
function filledEnv(): string {
  const filled: Record<string, string> = {
    PUBLIC_URL: 'https://photos.example.org',
    SESSION_SECRET: 'k'.repeat(44),
    POSTGRES_PASSWORD: 'pgpass1',
    REDIS_PASSWORD: 'redispass1',
    RABBITMQ_PASSWORD: 'rabbitpass1',
  };
  return read('deploy/.env.example').replace(/^([A-Z_][A-Z0-9_]*)=$/gm, (line, name: string) => (name in filled ? `${name}=${filled[name]}` : line));
}

test('compose: docker-compose config refuses a missing secret, and renders a configuration Strobe accepts', (t) => {
  if (!tool(t, 'docker-compose', 'docker-compose')) return;
  const dir = mkdtempSync(join(tmpdir(), 'strobe-compose-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const unfilled = join(dir, 'unfilled.env');
  writeFileSync(unfilled, read('deploy/.env.example'));
  const refused = run('docker-compose', ['--env-file', unfilled, '-f', 'deploy/compose.yaml', 'config']);
  assert.notEqual(refused.status, 0, 'an unfilled .env must not render');
  assert.match(refused.stderr, /set [A-Z_]+ in deploy\/\.env/);

  const envFile = join(dir, 'filled.env');
  writeFileSync(envFile, filledEnv());
  const rendered = run('docker-compose', ['--env-file', envFile, '-f', 'deploy/compose.yaml', 'config']);
  assert.equal(rendered.status, 0, rendered.stderr);
  const services = (parse(rendered.stdout) as Obj).services as Obj;
  assert.equal(services.web.deploy.replicas, 2);
  const envs = STROBE_SERVICES.map((name) => services[name].environment as Record<string, string>);
  assert.deepEqual(envs[1], envs[0], 'web and migrate share one configuration');
  assert.deepEqual(envs[2], envs[0], 'worker and migrate share one configuration');

  const config = loadConfig(envs[0]!, '/app');
  assert.equal(config.mode, 'cluster');
  assert.equal(config.publicUrl?.href, 'https://photos.example.org/');
  assert.equal(config.trustProxy, 1);
  assert.equal(config.registration, 'invite');
  assert.equal(config.s3, undefined, 'photos in the volume unless S3_BUCKET is set');
  assert.equal(config.metricsPort, 9090);
  assert.ok(services.web.expose.includes(String(config.metricsPort)));
  assert.equal(new URL(config.databaseUrl!).host, 'postgres:5432');
  assert.equal(new URL(config.databaseUrl!).password, services.postgres.environment.POSTGRES_PASSWORD);
  assert.equal(new URL(config.redisUrl!).password, services.redis.environment.REDIS_PASSWORD);
  assert.equal(new URL(config.amqpUrl!).password, services.rabbitmq.environment.RABBITMQ_DEFAULT_PASS);
  assert.equal(new URL(config.amqpUrl!).pathname, `/${services.rabbitmq.environment.RABBITMQ_DEFAULT_VHOST}`);
});

test('HAProxy accepts the compose configuration', (t) => {
  if (!tool(t, 'haproxy', 'haproxy')) return;
  const result = run('haproxy', ['-c', '-f', 'deploy/haproxy.compose.cfg']);
  assert.equal(result.status, 0, result.stderr + result.stdout);
});

// --- Kubernetes ---------------------------------------------------------------------------------------

function kustomize(t: TestContext, dir: string): Obj[] | undefined {
  if (!tool(t, 'kubectl', null)) return undefined;
  const result = run('kubectl', ['kustomize', dir]);
  assert.equal(result.status, 0, result.stderr);
  return parseAllDocuments(result.stdout).map((doc) => doc.toJS() as Obj);
}

const find = (docs: Obj[], kind: string, name: string) => {
  const found = docs.find((d) => d.kind === kind && (d.metadata.name === name || (kind === 'ConfigMap' && d.metadata.name.startsWith(`${name}-`))));
  assert.ok(found, `${kind} ${name} is rendered`);
  return found;
};

const podOf = (doc: Obj) => doc.spec.template.spec as Obj;

function secretExample(): Record<string, string> {
  return (parse(read('deploy/k8s/secret.example.yaml')) as Obj).stringData as Record<string, string>;
}

test('k8s: the web Deployment is probed, drains after a preStop, has resources and a PodDisruptionBudget', (t) => {
  const docs = kustomize(t, 'deploy/k8s');
  if (!docs) return;
  const web = find(docs, 'Deployment', 'strobe-web');
  const pod = podOf(web);
  const [container] = pod.containers as Obj[];
  assertStrobeCommand(container!.args, 'web Deployment');
  assert.equal(container!.args[0], 'web');
  assert.equal(container!.readinessProbe.httpGet.path, '/readyz');
  assert.equal(container!.livenessProbe.httpGet.path, '/healthz');
  const ports = (container!.ports as Obj[]).map((p) => p.name);
  assert.ok(ports.includes(container!.readinessProbe.httpGet.port), 'the probes ask a named container port');

  const preStop = container!.lifecycle.preStop as Obj;
  const sleep = preStop.sleep?.seconds ?? Number((preStop.exec.command as string[]).join(' ').match(/sleep (\d+)/)?.[1]);
  assert.ok(sleep >= 5, 'the preStop gives endpoints and the Ingress time to stop sending traffic');
  assert.ok(pod.terminationGracePeriodSeconds >= sleep + 10, 'the grace period covers the preStop plus the 10 s drain');
  assert.equal(web.spec.strategy.rollingUpdate.maxUnavailable, 0, 'a rollout never drops capacity');

  for (const kind of ['requests', 'limits']) assert.ok(container!.resources[kind]?.memory, `memory ${kind}`);
  assert.ok(container!.resources.requests.cpu);

  const pdb = find(docs, 'PodDisruptionBudget', 'strobe-web');
  assert.deepEqual(pdb.spec.selector.matchLabels, web.spec.selector.matchLabels);
  assert.ok(pdb.spec.maxUnavailable !== undefined || pdb.spec.minAvailable !== undefined);

  const service = find(docs, 'Service', 'strobe-web');
  assert.deepEqual(service.spec.selector, web.spec.selector.matchLabels);
  for (const port of service.spec.ports as Obj[]) assert.ok(ports.includes(port.targetPort), `Service port ${port.name} targets a container port`);
  assert.notEqual(service.spec.sessionAffinity, 'ClientIP', 'no affinity: WebSocket-only clients need none');
});

test('k8s: worker, migrate Job and every pod run non-root on a read-only root with /data and /tmp mounted', (t) => {
  const docs = kustomize(t, 'deploy/k8s');
  if (!docs) return;
  const worker = find(docs, 'Deployment', 'strobe-worker');
  const job = find(docs, 'Job', 'strobe-migrate');
  assert.equal(podOf(worker).containers[0].args[0], 'worker');
  assert.equal(podOf(job).containers[0].args[0], 'migrate');
  assert.ok(['OnFailure', 'Never'].includes(podOf(job).restartPolicy));
  assert.ok(job.spec.ttlSecondsAfterFinished > 0, 'the finished Job goes, so the next apply runs it again');
  const config = find(docs, 'ConfigMap', 'strobe-config');
  assert.equal(docs.filter((d) => d.kind === 'Secret').length, 0, 'no Secret is rendered: the example is never applied by accident');

  for (const doc of [find(docs, 'Deployment', 'strobe-web'), worker, job]) {
    const pod = podOf(doc);
    const name = doc.metadata.name as string;
    assert.equal(pod.securityContext.runAsNonRoot, true, `${name} runs as non-root`);
    assert.ok(pod.securityContext.runAsUser > 0, `${name} names its user`);
    assert.equal(pod.automountServiceAccountToken, false, `${name} has no use for the Kubernetes API`);
    for (const container of pod.containers as Obj[]) {
      assertStrobeCommand(container.args, name);
      assert.equal(container.image, 'registry.example.com/strobe:0.1.0');
      assert.equal(container.securityContext.readOnlyRootFilesystem, true, `${name}: read-only root`);
      assert.equal(container.securityContext.allowPrivilegeEscalation, false);
      assert.deepEqual(container.securityContext.capabilities.drop, ['ALL']);
      const mounts = new Map((container.volumeMounts as Obj[]).map((m) => [m.mountPath, m.name]));
      assert.ok(mounts.has('/data') && mounts.has('/tmp'), `${name} can write DATA_DIR (temporary uploads) and /tmp`);
      for (const volume of mounts.values()) assert.ok((pod.volumes as Obj[]).some((v) => v.name === volume), `${name}: volume ${volume} exists`);
      const sources = (container.envFrom as Obj[]).map((e) => e.configMapRef?.name ?? e.secretRef?.name);
      assert.deepEqual(sources, [config.metadata.name, 'strobe-secrets']);
      assert.ok(container.resources.limits.memory);
    }
  }
});

test('k8s: ConfigMap and Secret example hold every variable the app reads, and make a configuration it accepts', (t) => {
  const docs = kustomize(t, 'deploy/k8s');
  if (!docs) return;
  const data = find(docs, 'ConfigMap', 'strobe-config').data as Record<string, string>;
  const secret = secretExample();
  for (const name of Object.keys(secret)) assert.ok(!(name in data), `${name} is in both the ConfigMap and the Secret`);
  const env = { ...data, ...secret };
  for (const name of deploymentVariables()) {
    // S3_FORCE_PATH_STYLE follows S3_ENDPOINT by default; a self-hosted store sets both.
    if (name === 'S3_FORCE_PATH_STYLE') continue;
    assert.ok(name in env, `${name} (read by src/config.ts) is in neither the ConfigMap nor the Secret example`);
  }
  for (const name of Object.keys(env)) assert.ok(configVariables().has(name), `${name} is set but Strobe reads no such variable`);
  for (const name of ['DATABASE_URL', 'REDIS_URL', 'AMQP_URL', 'SESSION_SECRET', 'S3_SECRET_ACCESS_KEY']) assert.ok(name in secret, `${name} is a secret`);

  // Left unedited, the example cannot run.
  assert.throws(() => loadConfig(env, '/app'), (err: unknown) => err instanceof ConfigError && err.variable === 'SESSION_SECRET');
  const config = loadConfig({ ...env, SESSION_SECRET: 's'.repeat(44) }, '/app');
  assert.equal(config.mode, 'cluster');
  assert.equal(config.s3?.bucket, 'strobe-photos');
  assert.equal(config.trustProxy, 1);
  const web = podOf(find(docs, 'Deployment', 'strobe-web')).containers[0] as Obj;
  assert.equal((web.ports as Obj[]).find((p) => p.name === 'metrics')?.containerPort, config.metricsPort, '/metrics is served on the metrics port');
  assert.equal((web.ports as Obj[]).find((p) => p.name === 'http')?.containerPort, 3000, 'the image listens on PORT 3000');
});

test('k8s: the shared-volume overlay puts DATA_DIR on one ReadWriteMany claim and drops the bucket', (t) => {
  const docs = kustomize(t, 'deploy/k8s/shared-volume');
  if (!docs) return;
  const pvc = find(docs, 'PersistentVolumeClaim', 'strobe-photos');
  assert.deepEqual(pvc.spec.accessModes, ['ReadWriteMany']);
  const data = find(docs, 'ConfigMap', 'strobe-config').data as Record<string, string>;
  assert.equal(data.S3_BUCKET, undefined);
  const secret = { ...secretExample(), SESSION_SECRET: 's'.repeat(44) };
  // S3 keys left in the Secret without a bucket are refused at start, naming the variable.
  assert.throws(() => loadConfig({ ...data, ...secret }, '/app'), (err: unknown) => err instanceof ConfigError && err.variable === 'S3_BUCKET');
  const withoutKeys = Object.fromEntries(Object.entries(secret).filter(([name]) => !name.startsWith('S3_')));
  const config = loadConfig({ ...data, ...withoutKeys }, '/app');
  assert.equal(config.s3, undefined, 'photos in DATA_DIR');
  for (const doc of [find(docs, 'Deployment', 'strobe-web'), find(docs, 'Deployment', 'strobe-worker'), find(docs, 'Job', 'strobe-migrate')]) {
    const pod = podOf(doc);
    const dataMount = (pod.containers[0].volumeMounts as Obj[]).find((m) => m.mountPath === '/data')!;
    const volume = (pod.volumes as Obj[]).find((v) => v.name === dataMount.name)!;
    assert.equal(volume.persistentVolumeClaim?.claimName, 'strobe-photos', `${doc.metadata.name} keeps photos on the shared claim`);
    assert.ok((pod.volumes as Obj[]).find((v) => v.name === 'tmp')?.emptyDir, `${doc.metadata.name}'s /tmp stays its own`);
  }
});

// Configuration comes from the environment, validated once at start: a bad value stops the boot
// with one line naming the variable.
import { isIP } from 'node:net';
import { isAbsolute, resolve } from 'node:path';
import type { RegistrationMode } from './shared/community.js';

export type Mode = 'embedded' | 'cluster';

export interface Config {
  mode: Mode;
  port: number;
  host: string;
  dataDir: string;
  databaseUrl: string | undefined;
  redisUrl: string | undefined;
  amqpUrl: string | undefined;
  /** AMQP_URL's nodes: one URL, or the nodes of a RabbitMQ cluster (comma-separated); empty in embedded mode. */
  amqpUrls: readonly string[];
  redisPrefix: string;
  /** Undefined in embedded mode until the data dir provides a generated one (see app.ts). */
  sessionSecret: string | undefined;
  publicUrl: URL | undefined;
  /**
   * Which peers may set X-Forwarded-For: false (none), a hop count, or the proxies' addresses and
   * CIDRs. Never "everyone": the leftmost address is the client's to choose.
   */
  trustProxy: TrustProxy;
  /** Serve /metrics on this port instead of the app's (for the operators' network only). */
  metricsPort: number | undefined;
  /** WEBHOOK_ALLOW_PRIVATE: let webhooks reach loopback, private and link-local addresses (tests, a LAN). */
  webhookAllowPrivate: boolean;
  adminUsers: ReadonlySet<string>;
  /**
   * REGISTRATION: who may create an account. `open` by default in embedded mode (a laptop), `invite`
   * in cluster mode (a public deployment): an open sign-up there is a choice, not an accident.
   */
  registration: RegistrationMode;
  replayWindowMs: number;
  replayMaxEvents: number;
  /** How long a session lasts from sign-in (30 days); SESSION_TTL_SECONDS exists for tests of expiry. */
  sessionTtlMs: number;
  logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
  /** Where the built browser app is served from. */
  webDir: string;
  /** Cluster mode only: photos in an S3-compatible bucket instead of DATA_DIR. */
  s3: S3Config | undefined;
}

export type TrustProxy = false | number | readonly string[];

export interface S3Config {
  bucket: string;
  endpoint: string | undefined;
  region: string;
  accessKeyId: string | undefined;
  secretAccessKey: string | undefined;
  forcePathStyle: boolean;
}

export class ConfigError extends Error {
  constructor(
    readonly variable: string,
    problem: string,
  ) {
    super(`${variable}: ${problem}`);
    this.name = 'ConfigError';
  }
}

type Env = Record<string, string | undefined>;

const REGISTRATION_MODES: readonly RegistrationMode[] = ['open', 'invite', 'closed'];

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

export function loadConfig(env: Env, cwd = process.cwd()): Readonly<Config> {
  const databaseUrl = url(env, 'DATABASE_URL', ['postgres:', 'postgresql:']);
  const redisUrl = redisUrlOf(env);
  const amqpUrls = amqpNodes(env);
  const amqpUrl = amqpUrls.length > 0 ? str(env, 'AMQP_URL') : undefined;
  const cluster = [databaseUrl, redisUrl, amqpUrl];
  const mode: Mode = cluster.some(Boolean) ? 'cluster' : 'embedded';
  if (mode === 'cluster') {
    // Half a cluster would silently keep state in one process: refuse it.
    for (const [name, value] of [
      ['DATABASE_URL', databaseUrl],
      ['REDIS_URL', redisUrl],
      ['AMQP_URL', amqpUrl],
    ] as const) {
      if (!value) throw new ConfigError(name, 'is required in cluster mode (DATABASE_URL, REDIS_URL and AMQP_URL go together)');
    }
  }
  const sessionSecret = str(env, 'SESSION_SECRET');
  if (sessionSecret !== undefined && sessionSecret.length < 32) {
    throw new ConfigError('SESSION_SECRET', 'must be at least 32 characters');
  }
  if (mode === 'cluster' && sessionSecret === undefined) {
    throw new ConfigError('SESSION_SECRET', 'is required in cluster mode, the same on every instance');
  }
  const publicUrl = url(env, 'PUBLIC_URL', ['http:', 'https:']);
  const dataDir = str(env, 'DATA_DIR') ?? './data';
  const adminUsers = list(env, 'ADMIN_USERS');
  for (const name of adminUsers) {
    if (!/^[a-z0-9_]{3,30}$/.test(name)) throw new ConfigError('ADMIN_USERS', `"${name}" is not a valid username`);
  }
  const logLevel = str(env, 'LOG_LEVEL') ?? 'info';
  if (!(LOG_LEVELS as readonly string[]).includes(logLevel)) {
    throw new ConfigError('LOG_LEVEL', `must be one of ${LOG_LEVELS.join(', ')}`);
  }
  const registration = str(env, 'REGISTRATION') ?? (mode === 'cluster' ? 'invite' : 'open');
  if (!(REGISTRATION_MODES as readonly string[]).includes(registration)) {
    throw new ConfigError('REGISTRATION', `must be open (anyone may register), invite (only with an admin's invite link) or closed (nobody), got "${registration.slice(0, 40)}"`);
  }
  const redisPrefix = str(env, 'REDIS_PREFIX') ?? 'strobe:';
  if (!/^[\w:.-]{1,64}$/.test(redisPrefix)) {
    throw new ConfigError('REDIS_PREFIX', 'must be 1-64 characters of letters, digits and : _ . -');
  }
  return Object.freeze({
    mode,
    port: int(env, 'PORT', 3000, 0, 65535),
    host: str(env, 'HOST') ?? '0.0.0.0',
    dataDir: isAbsolute(dataDir) ? dataDir : resolve(cwd, dataDir),
    databaseUrl,
    redisUrl,
    amqpUrl,
    amqpUrls: Object.freeze(amqpUrls),
    redisPrefix,
    sessionSecret,
    publicUrl: publicUrl ? new URL(publicUrl) : undefined,
    trustProxy: trustProxy(env),
    metricsPort: str(env, 'METRICS_PORT') === undefined ? undefined : int(env, 'METRICS_PORT', 0, 1, 65535),
    webhookAllowPrivate: bool(env, 'WEBHOOK_ALLOW_PRIVATE', false),
    adminUsers: new Set(adminUsers),
    registration: registration as RegistrationMode,
    replayWindowMs: int(env, 'REPLAY_WINDOW_SECONDS', 120, 1, 86_400) * 1000,
    replayMaxEvents: int(env, 'REPLAY_MAX_EVENTS', 2000, 10, 1_000_000),
    sessionTtlMs: int(env, 'SESSION_TTL_SECONDS', 30 * 86_400, 1, 365 * 86_400) * 1000,
    logLevel: logLevel as Config['logLevel'],
    webDir: resolve(cwd, str(env, 'WEB_DIR') ?? 'dist/web'),
    s3: s3Config(env, mode),
  });
}

const S3_VARIABLES = ['S3_ENDPOINT', 'S3_REGION', 'S3_ACCESS_KEY_ID', 'S3_SECRET_ACCESS_KEY', 'S3_FORCE_PATH_STYLE'];

function s3Config(env: Env, mode: Mode): S3Config | undefined {
  const bucket = str(env, 'S3_BUCKET');
  if (bucket === undefined) {
    const stray = S3_VARIABLES.find((name) => str(env, name) !== undefined);
    if (stray) throw new ConfigError('S3_BUCKET', `is required when ${stray} is set`);
    return undefined;
  }
  // An embedded Strobe keeps everything in DATA_DIR; ignoring the bucket silently would surprise.
  if (mode !== 'cluster') throw new ConfigError('S3_BUCKET', 'is for cluster mode (DATABASE_URL, REDIS_URL, AMQP_URL); embedded mode keeps photos in DATA_DIR');
  // The rules AWS enforces, so a name that works on a local MinIO also works on S3.
  if (!/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(bucket) || bucket.includes('..') || /^\d+\.\d+\.\d+\.\d+$/.test(bucket)) {
    throw new ConfigError('S3_BUCKET', `"${bucket}" is not a valid bucket name (3-63 lowercase letters, digits, dots and hyphens, starting and ending with a letter or digit)`);
  }
  const endpoint = url(env, 'S3_ENDPOINT', ['http:', 'https:']);
  const region = str(env, 'S3_REGION') ?? 'us-east-1';
  if (!/^[\w-]{1,64}$/.test(region)) throw new ConfigError('S3_REGION', `"${region}" is not a region name (letters, digits, - and _)`);
  const accessKeyId = str(env, 'S3_ACCESS_KEY_ID');
  const secretAccessKey = str(env, 'S3_SECRET_ACCESS_KEY');
  // Half a key pair would fall back to the SDK's default credentials and fail far from here.
  if (accessKeyId !== undefined && secretAccessKey === undefined) throw new ConfigError('S3_SECRET_ACCESS_KEY', 'is required when S3_ACCESS_KEY_ID is set');
  if (secretAccessKey !== undefined && accessKeyId === undefined) throw new ConfigError('S3_ACCESS_KEY_ID', 'is required when S3_SECRET_ACCESS_KEY is set');
  // Self-hosted stores rarely have a DNS name per bucket; AWS does.
  const forcePathStyle = bool(env, 'S3_FORCE_PATH_STYLE', endpoint !== undefined);
  return { bucket, endpoint, region, accessKeyId, secretAccessKey, forcePathStyle };
}

/**
 * TRUST_PROXY: `false`, a hop count (the address that many proxies back is the client's), or a
 * comma-separated list of the proxies' addresses or CIDRs. `true` is refused: trusting every hop
 * makes the leftmost X-Forwarded-For, which any client writes, the address rate limits key on.
 */
function trustProxy(env: Env): TrustProxy {
  const v = str(env, 'TRUST_PROXY');
  if (v === undefined || ['0', 'false', 'no'].includes(v.toLowerCase())) return false;
  if (['1', 'true', 'yes'].includes(v.toLowerCase()) && v !== '1') {
    throw new ConfigError('TRUST_PROXY', 'true would trust any X-Forwarded-For a client sends; name your proxies\' addresses or CIDRs (e.g. 127.0.0.1 or 10.0.0.0/8), or a hop count');
  }
  if (/^\d+$/.test(v)) return int(env, 'TRUST_PROXY', 0, 1, 10);
  const entries = v.split(',').map((s) => s.trim()).filter(Boolean);
  for (const entry of entries) {
    if (!isAddressOrCidr(entry)) throw new ConfigError('TRUST_PROXY', `"${entry.slice(0, 60)}" is not an IP address or CIDR (or use a hop count, or false)`);
  }
  return Object.freeze(entries);
}

function isAddressOrCidr(entry: string): boolean {
  const slash = entry.indexOf('/');
  const address = slash === -1 ? entry : entry.slice(0, slash);
  const family = isIP(address);
  if (family === 0) return false;
  if (slash === -1) return true;
  const bits = entry.slice(slash + 1);
  if (!/^\d{1,3}$/.test(bits)) return false;
  return Number(bits) <= (family === 4 ? 32 : 128);
}

function str(env: Env, name: string): string | undefined {
  const v = env[name];
  return v === undefined || v.trim() === '' ? undefined : v.trim();
}

function int(env: Env, name: string, fallback: number, min: number, max: number): number {
  const v = str(env, name);
  if (v === undefined) return fallback;
  if (!/^\d+$/.test(v)) throw new ConfigError(name, `must be a whole number, got "${v}"`);
  const n = Number(v);
  if (n < min || n > max) throw new ConfigError(name, `must be between ${min} and ${max}, got ${n}`);
  return n;
}

function bool(env: Env, name: string, fallback: boolean): boolean {
  const v = str(env, name)?.toLowerCase();
  if (v === undefined) return fallback;
  if (['1', 'true', 'yes'].includes(v)) return true;
  if (['0', 'false', 'no'].includes(v)) return false;
  throw new ConfigError(name, `must be true or false, got "${v}"`);
}

function list(env: Env, name: string): string[] {
  return (str(env, name) ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
}

/**
 * REDIS_URL: one Redis (`redis://`, `rediss://`), or a Redis Cluster: `redis+cluster://` (or
 * `rediss+cluster://`) and a comma-separated list of seed nodes, `redis+cluster://[user:pass@]host:port,host:port`.
 */
function redisUrlOf(env: Env): string | undefined {
  const v = str(env, 'REDIS_URL');
  if (v === undefined || !/^rediss?\+cluster:/.test(v)) return url(env, 'REDIS_URL', ['redis:', 'rediss:', 'redis+cluster:', 'rediss+cluster:']);
  const rest = v.slice(v.indexOf(':') + 1);
  if (!rest.startsWith('//')) throw new ConfigError('REDIS_URL', 'a cluster is redis+cluster://host:port,host:port');
  const hostsAndPath = rest.slice(2 + rest.slice(2).lastIndexOf('@') + 1);
  const hosts = hostsAndPath.includes('/') ? hostsAndPath.slice(0, hostsAndPath.indexOf('/')) : hostsAndPath;
  const nodes = hosts.split(',').map((h) => h.trim());
  for (const node of nodes) {
    if (!/^(?:[\w.-]+|\[[\da-f:]+\]):\d{1,5}$/i.test(node) || Number(node.slice(node.lastIndexOf(':') + 1)) > 65535) {
      throw new ConfigError('REDIS_URL', `"${node.slice(0, 60)}" is not a host:port (a cluster is redis+cluster://host:port,host:port)`);
    }
  }
  return v;
}

function url(env: Env, name: string, protocols: string[]): string | undefined {
  const v = str(env, name);
  if (v === undefined) return undefined;
  let parsed: URL;
  try {
    parsed = new URL(v);
  } catch {
    throw new ConfigError(name, 'is not a valid URL');
  }
  if (!protocols.includes(parsed.protocol)) {
    throw new ConfigError(name, `must start with ${protocols.map((p) => p + '//').join(' or ')}`);
  }
  return v;
}

/**
 * AMQP_URL: one URL, or a RabbitMQ cluster's nodes as full URLs separated by commas
 * (`amqp://u:p@h1:5672/vh,amqp://u:p@h2:5672/vh`). Every node serves the same vhost; a comma in a
 * password is written %2C.
 */
function amqpNodes(env: Env): string[] {
  const v = str(env, 'AMQP_URL');
  if (v === undefined) return [];
  const parts = v.split(',').map((s) => s.trim());
  if (parts.length === 1) return [url(env, 'AMQP_URL', ['amqp:', 'amqps:'])!];
  const vhosts = new Set<string>();
  const seen = new Set<string>();
  parts.forEach((part, i) => {
    const which = `node ${i + 1} of ${parts.length}`;
    if (part === '') throw new ConfigError('AMQP_URL', `${which} is empty (list full URLs separated by commas)`);
    let parsed: URL;
    try {
      parsed = new URL(part);
    } catch {
      throw new ConfigError('AMQP_URL', `${which} is not a valid URL (list full URLs separated by commas; write a comma in a password as %2C)`);
    }
    if (!['amqp:', 'amqps:'].includes(parsed.protocol)) throw new ConfigError('AMQP_URL', `${which} must start with amqp:// or amqps://`);
    if (seen.has(parsed.host)) throw new ConfigError('AMQP_URL', `${which} repeats ${parsed.host}`);
    seen.add(parsed.host);
    // amqplib reads no path and "/" both as the default vhost.
    vhosts.add(unescapeVhost(parsed.pathname.replace(/^\//, '')) || '/');
  });
  if (vhosts.size > 1) throw new ConfigError('AMQP_URL', `every node must name the same vhost, got ${[...vhosts].map((h) => `"${h}"`).join(', ')}`);
  return parts;
}

function unescapeVhost(path: string): string {
  try {
    return decodeURIComponent(path);
  } catch {
    return path; // as amqplib does: a stray % stays as it is
  }
}

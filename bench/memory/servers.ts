// The two servers of benchmark 2, each started with an inspector: one Strobe web instance (its
// users and sessions seeded) and bare Socket.IO 4. Clients connect straight to the server's port.
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import pg from 'pg';
import type { Socket } from 'socket.io-client';
import { freePort } from '../../src/cluster/local-cluster.js';
import { Sessions } from '../../src/features/accounts/sessions.js';
import { RedisSessionStore } from '../../src/adapters/redis/sessions.js';
import type { SubscribeAck } from '../../src/shared/realtime.js';
import { SERVICES } from '../../test/helpers/services.js';
import { startBaseline } from '../lib/spawn.js';
import { startBenchCluster, type BenchCluster } from '../lib/strobe.js';
import { request } from './clients.js';
import { Inspector } from './inspector.js';

/** The streams a signed-in user's page opens: the home timeline, the private user stream, latest. */
export const STREAMS = ['home', 'user', 'latest'] as const;

export interface Server {
  url: string;
  inspectorUrl: string;
  cookie?: (i: number) => string | undefined;
  setUp: (socket: Socket, i: number) => Promise<void>;
  stop(): Promise<void>;
  /** The server's last log lines, for an error message. */
  logs?: () => string[];
}

/** One Strobe web instance, its users and their sessions seeded; clients go to its own port. */
export async function strobe(users: number): Promise<Server> {
  const secret = randomBytes(32).toString('base64url');
  const bench = await startBenchCluster({ web: 1, workers: 0, env: { SESSION_SECRET: secret }, nodeFlags: ['--inspect=127.0.0.1:0'] });
  try {
    const web1 = bench.cluster.instances.get('web1')!;
    const inspectorUrl = web1.logs.map((l) => /Debugger listening on (ws:\/\/\S+)/.exec(l)?.[1]).find(Boolean);
    if (!inspectorUrl) throw new Error(`web1 printed no debugger URL:\n${web1.logs.join('\n')}`);
    const cookie = await seedSignedIn(bench, users, secret);
    return {
      url: `http://127.0.0.1:${web1.port}`,
      inspectorUrl,
      cookie,
      async setUp(socket) {
        const acks = await Promise.all(STREAMS.map((stream) => request<SubscribeAck>(socket, 'subscribe', { stream })));
        const bad = acks.find((a) => !a.ok);
        if (bad) throw new Error(`subscribe refused: ${JSON.stringify(bad)}`);
      },
      stop: bench.stop,
      logs: () => bench.logs.slice(-30),
    };
  } catch (err) {
    await bench.stop();
    throw err;
  }
}

/**
 * `users` users straight in SQL (no argon2 per user) and a session each, opened through Strobe's own
 * session code, so a handshake does what it does for a browser: cookie → HMAC → Redis → the user's
 * row. Returns client i's cookie (user i % users).
 */
export async function seedSignedIn(bench: BenchCluster, users: number, secret: string): Promise<(i: number) => string> {
  const db = new pg.Client({ connectionString: bench.databaseUrl });
  await db.connect();
  const ids = await db
    .query<{ id: string }>(`insert into users (username, password_hash) select 'mem' || g, 'not-a-hash' from generate_series(1, $1::int) g returning id`, [users])
    .then((r) => r.rows.map((row) => row.id))
    .finally(() => db.end());
  const redis = new Redis(SERVICES.redis);
  const sessions = new Sessions({ store: new RedisSessionStore(redis, bench.redisPrefix), db: undefined as never, secret, ttlMs: 3_600_000, adminUsers: new Set() });
  const sids: string[] = [];
  try {
    for (let i = 0; i < ids.length; i += 500) sids.push(...(await Promise.all(ids.slice(i, i + 500).map((id) => sessions.open(id)))));
  } finally {
    redis.disconnect();
  }
  return (i) => `strobe_sid=${sids[i % sids.length]}`;
}

/** Bare Socket.IO 4: the baseline without REDIS_URL, so no adapter. */
export async function socketio(users: number): Promise<Server> {
  const port = await freePort();
  const b = await startBaseline('socketio.ts', { REDIS_URL: '' }, [`--inspect=127.0.0.1:${port}`]);
  try {
    return {
      url: b.url,
      inspectorUrl: await Inspector.urlFromPort(port),
      async setUp(socket, i) {
        const u = i % users;
        const ack = await request<{ ok: boolean }>(socket, 'join', ['latest', `home:${u}`, `user:${u}`]);
        if (!ack.ok) throw new Error('join refused');
      },
      stop: b.stop,
    };
  } catch (err) {
    await b.stop();
    throw err;
  }
}


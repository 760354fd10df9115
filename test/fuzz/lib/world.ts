// The server under fuzz and what the fuzzer knows about it: a real child process (startServer),
// signed-in users in slots (their sessions repaired when a fuzzed logout or login ends them), the
// pools of known values, its error-level log lines, and whether it is still up.
import { rmSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { setTimeout as delay } from 'node:timers/promises';
import { startServer, type RunningServer } from '../../helpers/server.js';
import { connect } from '../../helpers/sockets.js';
import { JOB_NAMES } from '../../../src/ports/jobs.js';
import type { Violation } from './contract.js';
import { ipOf, type WireRequest } from './http-gen.js';
import { makeTarget, send, type SendResult, type Target, type WireResponse } from './http-send.js';
import { makeSamples, type Samples } from './multipart.js';
import { fetchOpenApi, operationsOf, type Operation } from './openapi.js';
import { Pools } from './pools.js';

export const PASSWORD = 'fuzz-password-1';
const SESSION_COOKIE = 'strobe_sid';
const DEVICE_COOKIE = 'strobe_device';

/** ADMIN_USERS: the admin slot's user and the replacements it may need. */
const ADMIN_NAMES = ['fz_admin', ...Array.from({ length: 30 }, (_, i) => `fz_admin_${i + 1}`)];

export interface Slot {
  username: string;
  password: string;
  admin: boolean;
  cookie: string | undefined;
  device: string | undefined;
  /** A fuzzed request may have ended the session: check and repair before the next batch. */
  suspect: boolean;
  replaced: number;
}

export interface LoggedError {
  level: number;
  msg: string;
  err: string;
  reqId: string | undefined;
}

export interface WorldOptions {
  log?: (line: string) => void;
  users?: number;
  /** Seed photos, one per user in turn (uploaded and waited for). */
  photos?: number;
}

export class World {
  readonly pools = new Pools();
  readonly slots: Slot[] = [];
  readonly loggedErrors: LoggedError[] = [];
  /** Warnings the server logged, by message: not findings, but they explain some (a slow client cut off). */
  readonly warnings = new Map<string, number>();
  readonly docGaps: string[] = [];
  ops: Operation[] = [];
  readonly target: Target;
  private ipCounter = 200_000;
  private exit: { code: number | null; signal: NodeJS.Signals | null } | undefined;

  private constructor(
    readonly server: RunningServer,
    readonly samples: Samples,
    private readonly log: (line: string) => void,
  ) {
    this.target = makeTarget(server.port);
    server.child.once('exit', (code, signal) => (this.exit = { code, signal }));
    // However this process ends (an error, a closed stdout, a signal), the server must not outlive it.
    const orphan = () => {
      if (server.child.exitCode === null && server.child.signalCode === null) server.child.kill('SIGKILL');
      try {
        rmSync(server.dataDir, { recursive: true, force: true });
      } catch {
        // the dying server may still hold a file: a leftover temporary dir is harmless
      }
    };
    process.once('exit', orphan);
    server.child.once('exit', () => process.removeListener('exit', orphan));
    // Every line at error level or above is a finding of its own (a crash the client never saw).
    const watch = (line: string) => {
      if (!line.startsWith('{')) return;
      try {
        const entry = JSON.parse(line) as { level?: number; msg?: string; err?: { type?: string; message?: string }; reqId?: string };
        if (entry.level === 40) this.warnings.set(entry.msg ?? '', (this.warnings.get(entry.msg ?? '') ?? 0) + 1);
        if ((entry.level ?? 0) >= 50) {
          this.loggedErrors.push({
            level: entry.level!,
            msg: entry.msg ?? '',
            err: entry.err ? `${entry.err.type ?? 'Error'}: ${(entry.err.message ?? '').split('\n')[0]}` : '',
            reqId: entry.reqId,
          });
        }
      } catch {
        // not a log line
      }
    };
    createInterface({ input: server.child.stdout! }).on('line', watch);
    createInterface({ input: server.child.stderr! }).on('line', watch);
  }

  static async start(opts: WorldOptions = {}): Promise<World> {
    const log = opts.log ?? (() => {});
    const [server, samples] = await Promise.all([
      startServer({
        env: {
          // Existing knobs only: the per-address limits see each fuzzed request's X-Forwarded-For,
          // and replacement admins are admins by configuration.
          TRUST_PROXY: '1',
          ADMIN_USERS: ADMIN_NAMES.join(','),
          LOG_LEVEL: 'info',
        },
      }),
      makeSamples(),
    ]);
    const world = new World(server, samples, log);
    try {
      const doc = await fetchOpenApi(server.url);
      world.ops = operationsOf(doc, world.docGaps);
      await world.seed(opts.users ?? 5, opts.photos ?? 4);
    } catch (err) {
      await world.dispose();
      throw new Error(`the fuzz server could not be set up: ${(err as Error).message}\n${server.logs.slice(-20).join('\n')}`);
    }
    return world;
  }

  get base(): string {
    return this.server.url;
  }

  get port(): number {
    return this.server.port;
  }

  get exited(): boolean {
    return this.exit !== undefined;
  }

  freshIp(): string {
    return ipOf(this.ipCounter++);
  }

  /** A plain JSON request for the fuzzer's own bookkeeping (not a fuzzed input). */
  async api(method: string, path: string, opts: { json?: unknown; cookie?: string | undefined; body?: Buffer; headers?: Record<string, string>; local?: boolean } = {}): Promise<{ status: number; headers: WireResponse['headers']; json: unknown }> {
    const headers: Record<string, string> = { ...opts.headers };
    if (!opts.local) headers['x-forwarded-for'] = this.freshIp();
    if (opts.cookie) headers.cookie = opts.cookie;
    let body: Buffer | null = opts.body ?? null;
    if (opts.json !== undefined) {
      headers['content-type'] = 'application/json';
      body = Buffer.from(JSON.stringify(opts.json));
    }
    const wire: WireRequest = { method, path, headers, body, chunked: false };
    const r: SendResult = await send(this.target, wire, 30_000);
    if (r.kind !== 'answered') throw new Error(`${method} ${path}: ${r.reason}`);
    let json: unknown = null;
    try {
      json = JSON.parse(r.res.body.toString('utf8'));
    } catch {
      json = r.res.body.toString('utf8');
    }
    return { status: r.res.status, headers: r.res.headers, json };
  }

  cookieOf(i: number): string | undefined {
    const slot = this.slots[i % this.slots.length];
    return slot?.cookie;
  }

  slotIndex(i: number): number {
    return i % this.slots.length;
  }

  private async signIn(slot: Slot, how: 'register' | 'login', local = false): Promise<boolean> {
    const res = await this.api('POST', `/api/auth/${how}`, {
      json: { username: slot.username, password: slot.password },
      local,
      ...(how === 'login' && slot.device ? { headers: { cookie: `${DEVICE_COOKIE}=${slot.device}` } } : {}),
    });
    if (res.status !== 200 && res.status !== 201) return false;
    slot.cookie = cookieValue(res.headers['set-cookie'], SESSION_COOKIE);
    slot.device = cookieValue(res.headers['set-cookie'], DEVICE_COOKIE)?.split('=')[1] ?? slot.device;
    slot.suspect = false;
    this.pools.add('username', slot.username);
    this.pools.add('credential', { username: slot.username, password: slot.password });
    return slot.cookie !== undefined;
  }

  /** Registers one more user in a slot of their own; returns the slot's index. */
  async addUser(username: string): Promise<number> {
    const slot: Slot = { username, password: PASSWORD, admin: false, cookie: undefined, device: undefined, suspect: false, replaced: 0 };
    if (!(await this.signIn(slot, 'register'))) throw new Error(`could not register ${username}`);
    this.slots.push(slot);
    return this.slots.length - 1;
  }

  /** Makes sure every slot holds a live session of its user (or of a replacement user). */
  async repairSlots(): Promise<void> {
    for (const slot of this.slots) {
      if (!slot.suspect) continue;
      const me = await this.api('GET', '/api/me', { cookie: slot.cookie });
      const user = (me.json as { user?: { username?: string; isAdmin?: boolean } } | null)?.user;
      if (me.status === 200 && user?.username === slot.username && (!slot.admin || user.isAdmin === true)) {
        slot.suspect = false;
        continue;
      }
      if ((await this.signIn(slot, 'login')) && (!slot.admin || (await this.isAdmin(slot)))) continue;
      // Locked out (the fuzzer guessed its password too often) or gone: a new user takes the slot.
      slot.replaced++;
      slot.username = slot.admin ? ADMIN_NAMES[Math.min(slot.replaced, ADMIN_NAMES.length - 1)]! : `${slot.username.replace(/_r\d+$/, '')}_r${slot.replaced}`;
      if (!(await this.signIn(slot, 'register'))) this.log(`could not repair the session of slot ${slot.username}`);
      else if (process.env.FUZZ_DEBUG) this.log(`slot replaced by ${slot.username} (admin: ${slot.admin ? await this.isAdmin(slot) : false})`);
    }
  }

  private async isAdmin(slot: Slot): Promise<boolean> {
    const me = await this.api('GET', '/api/me', { cookie: slot.cookie });
    return (me.json as { user?: { isAdmin?: boolean } } | null)?.user?.isAdmin === true;
  }

  /** Uploads a real image as a slot's user; the new photo's id, or undefined when refused. */
  async upload(slot: Slot, kind: 'jpeg' | 'png' | 'gif' | 'webp', n: number): Promise<string | undefined> {
    const boundary = `----fuzzseed${n}`;
    const fields = [
      `--${boundary}\r\nContent-Disposition: form-data; name="caption"\r\n\r\nseed photo ${n} #fuzz\r\n`,
      ...(kind === 'png' ? [`--${boundary}\r\nContent-Disposition: form-data; name="city"\r\n\r\nparis-fr\r\n`] : []),
    ];
    const body = Buffer.concat([
      Buffer.from(fields.join('')),
      Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="seed.${kind}"\r\nContent-Type: image/${kind}\r\n\r\n`),
      this.samples[kind],
      Buffer.from(`\r\n--${boundary}--\r\n`),
    ]);
    const res = await this.api('POST', '/api/photos', { body, cookie: slot.cookie, headers: { 'content-type': `multipart/form-data; boundary=${boundary}` } });
    const id = (res.json as { photo?: { id?: string } }).photo?.id;
    if (res.status !== 202 || !id) return undefined;
    this.pools.add('photoId', id);
    return id;
  }

  /** Uploads a photo as this slot's user and waits until it is ready; its id, or undefined. */
  async freshReadyPhoto(slotIndex: number, timeoutMs = 15_000): Promise<string | undefined> {
    const slot = this.slots[slotIndex];
    if (!slot) return undefined;
    const id = await this.upload(slot, 'png', 9_000 + slotIndex);
    const deadline = Date.now() + timeoutMs;
    while (id && Date.now() < deadline) {
      const res = await this.api('GET', `/api/photos/${id}`, { cookie: slot.cookie });
      const status = (res.json as { photo?: { status?: string } } | null)?.photo?.status;
      if (status === 'ready') return id;
      if (status !== 'processing') return undefined;
      await delay(100);
    }
    return undefined;
  }

  /**
   * Deletes and account deletions use photos up; this uploads a few more when few are known to be
   * ready, so the routes about one photo keep reaching past their existence check. They are
   * learned as ready from the feeds the fuzzer reads.
   */
  async topUpPhotos(): Promise<void> {
    if (this.pools.size('readyPhotoId') >= 4) return;
    const kinds = ['jpeg', 'png', 'gif', 'webp'] as const;
    await Promise.all(
      [1, 2, 3].map((k) => {
        const slot = this.slots[(this.topUps + k) % this.slots.length]!;
        return this.upload(slot, kinds[(this.topUps + k) % kinds.length]!, 1000 + this.topUps * 10 + k);
      }),
    );
    this.topUps++;
    const feed = await this.api('GET', '/api/feeds/latest?limit=20');
    this.learn(feed.json);
  }

  private topUps = 0;

  /** Users, follows, a room, photos, likes and chat messages, so that fuzzed inputs find things. */
  private async seed(users: number, photos: number): Promise<void> {
    const admin: Slot = { username: 'fz_admin', password: PASSWORD, admin: true, cookie: undefined, device: undefined, suspect: false, replaced: 0 };
    if (!(await this.signIn(admin, 'register', true))) throw new Error('could not register the admin');
    this.slots.push(admin);
    const others = ['fz_ana', 'fz_ben', 'fz_cy', 'fz_dee', 'fz_eve', 'fz_fay', 'fz_gus'].slice(0, users).map(
      (name): Slot => ({ username: name, password: PASSWORD, admin: false, cookie: undefined, device: undefined, suspect: false, replaced: 0 }),
    );
    await Promise.all(
      others.map(async (slot) => {
        if (!(await this.signIn(slot, 'register'))) throw new Error(`could not register ${slot.username}`);
      }),
    );
    this.slots.push(...others);
    const [a, b, c] = this.slots.slice(1);
    for (const [from, to] of [
      [a, b],
      [b, a],
      [c, this.slots[0]],
      [this.slots[0], a],
    ] as const) {
      if (from && to) await this.api('PUT', `/api/users/${to.username}/follow`, { cookie: from.cookie });
    }
    if (a) await this.api('POST', '/api/chat/rooms', { json: { name: 'fz-room' }, cookie: a.cookie });
    this.pools.add('room', 'lobby');
    this.pools.add('room', 'fz-room');
    for (const q of JOB_NAMES) this.pools.add('queue', q);
    for (const p of ['par', 'Par', 'new', 'lon', 'São', 'to', 'a', 'zürich', 'ber']) this.pools.add('cityPrefix', p);
    for (const slug of ['paris-fr', 'london-gb', 'tokyo-jp', 'new-york-city-us', 'berlin-de']) this.pools.add('citySlug', slug);
    const cities = await this.api('GET', '/api/cities?q=par&limit=20');
    this.learn(cities.json);

    // Photos: uploaded through the API like any client, then waited for, so likes and deletes find ready ones.
    const uploaded: { id: string; cookie: string | undefined }[] = [];
    const kinds = ['jpeg', 'png', 'gif', 'webp'] as const;
    await Promise.all(
      Array.from({ length: photos }, async (_, i) => {
        const slot = this.slots[i % this.slots.length]!;
        const id = await this.upload(slot, kinds[i % kinds.length]!, i);
        if (!id) throw new Error(`a seed upload failed`);
        uploaded.push({ id, cookie: slot.cookie });
      }),
    );
    const deadline = Date.now() + 30_000;
    for (const p of uploaded) {
      for (;;) {
        const res = await this.api('GET', `/api/photos/${p.id}`, { cookie: p.cookie });
        const status = (res.json as { photo?: { status?: string } }).photo?.status;
        if (status && status !== 'processing') {
          this.learn(res.json);
          break;
        }
        if (Date.now() > deadline) throw new Error(`seed photo ${p.id} did not finish processing`);
        await delay(50);
      }
    }
    for (const slot of this.slots.slice(1, 3)) {
      for (const p of uploaded.slice(0, 3)) await this.api('PUT', `/api/photos/${p.id}/like`, { cookie: slot.cookie });
    }
    // Chat history only comes from sockets.
    if (a?.cookie) {
      const s = await connect(this.base, a.cookie);
      for (let i = 0; i < 3; i++) await s.socket.timeout(5_000).emitWithAck('chat:send', { room: 'lobby', text: `seed message ${i}`, clientId: `seed-${i}` });
      s.close();
    }
    // Cursors from every list, one item per page so that each has a `next`.
    for (const path of ['/api/feeds/latest', '/api/feeds/home', '/api/chat/rooms', '/api/chat/rooms/lobby/messages', '/api/notifications', `/api/users/${a?.username}/photos`, '/api/feeds/city/paris-fr']) {
      const res = await this.api('GET', `${path}?limit=1`, { cookie: a?.cookie });
      this.learn(res.json);
    }
  }

  /** Takes what an answer reveals into the pools: ids, names, cursors, media keys. */
  learn(json: unknown, depth = 0): void {
    if (depth > 6 || json === null || typeof json !== 'object') return;
    if (Array.isArray(json)) {
      for (const item of json.slice(0, 20)) this.learn(item, depth + 1);
      return;
    }
    const o = json as Record<string, unknown>;
    if (typeof o.next === 'string' && o.next) this.pools.add('cursor', o.next);
    if (typeof o.id === 'string' && 'owner' in o && 'status' in o) {
      this.pools.add('photoId', o.id);
      if (o.status === 'ready') this.pools.add('readyPhotoId', o.id);
    }
    if (typeof o.username === 'string') this.pools.add('username', o.username);
    if (typeof o.id === 'string' && typeof o.photoId === 'string' && 'text' in o) this.pools.add('commentId', o.id);
    if (typeof o.id === 'string' && 'expiresAt' in o) this.pools.add('exportId', o.id);
    if (typeof o.name === 'string' && typeof o.createdAt === 'string' && !('owner' in o)) this.pools.add('room', o.name);
    if (typeof o.slug === 'string') this.pools.add('citySlug', o.slug);
    for (const key of ['thumb', 'display']) {
      const url = o[key];
      if (typeof url === 'string' && url.startsWith('/media/')) this.pools.add('mediaKey', url.slice('/media/'.length));
    }
    for (const value of Object.values(o)) if (value && typeof value === 'object') this.learn(value, depth + 1);
  }

  /** Null when the server is up: the process runs and /healthz answers 200 in time. */
  async down(): Promise<string | null> {
    if (this.exit) return `the server exited (code ${this.exit.code}, signal ${this.exit.signal})`;
    const r = await send(this.target, { method: 'GET', path: '/healthz', headers: {}, body: null, chunked: false }, 10_000);
    if (r.kind !== 'answered') return `GET /healthz: ${r.reason}`;
    if (r.res.status !== 200) return `GET /healthz answered ${r.res.status}`;
    return null;
  }

  /**
   * Waits (up to `ms`) until the job queues are empty, as the admin overview shows them, so the
   * database is checked at rest rather than halfway through a job that a run's last input caused.
   */
  async quiesce(ms = 15_000): Promise<void> {
    const deadline = Date.now() + ms;
    let idle = 0;
    await this.repairSlots();
    while (Date.now() < deadline && idle < 2) {
      try {
        const res = await this.api('GET', '/api/admin/overview', { cookie: this.slots[0]?.cookie });
        const queues = (res.json as { queues?: { depth?: number }[] } | null)?.queues;
        if (res.status !== 200 || !Array.isArray(queues)) break;
        idle = queues.every((q) => q.depth === 0) ? idle + 1 : 0;
      } catch {
        break;
      }
      await delay(300);
    }
    if (idle < 2) await delay(1_000);
  }

  /** SIGTERM, as an operator stops it: it must drain and exit 0 within the contract's 10 s. */
  async stop(): Promise<Violation[]> {
    this.target.agent.destroy();
    if (this.exit) return [{ property: 'server-up', detail: `the server had exited (code ${this.exit.code}, signal ${this.exit.signal})`, signature: 'server-up exited' }];
    const started = Date.now();
    const timeout = new AbortController();
    const code = await Promise.race([this.server.stop(), delay(15_000, undefined, { signal: timeout.signal }).then(() => 'timeout' as const, () => 'timeout' as const)]);
    timeout.abort();
    if (code === 'timeout') {
      await this.server.kill();
      return [{ property: 'clean-exit', detail: 'SIGTERM: still running after 15 s', signature: 'clean-exit timeout' }];
    }
    if (code !== 0) return [{ property: 'clean-exit', detail: `SIGTERM: exited with ${code} after ${Date.now() - started} ms`, signature: `clean-exit ${code}` }];
    return [];
  }

  /** Kills the server if it still runs and removes its data dir. */
  async dispose(): Promise<void> {
    this.target.agent.destroy();
    await this.server.kill();
    rmSync(this.server.dataDir, { recursive: true, force: true });
  }

  /** Error-level log lines as violations, with the request id that lets the caller find the input. */
  logViolations(): { violation: Violation; reqId: string | undefined }[] {
    return this.loggedErrors.map((e) => ({
      reqId: e.reqId,
      violation: {
        property: 'no-error-logged',
        detail: `logged at level ${e.level}: ${e.msg}${e.err ? ` (${e.err})` : ''}`,
        signature: `no-error-logged ${e.msg} ${e.err.replace(/\d+/g, 'N').slice(0, 120)}`,
      },
    }));
  }
}

/** `name=value` of a cookie from Set-Cookie headers. */
export function cookieValue(setCookie: string | string[] | undefined, name: string): string | undefined {
  const all = Array.isArray(setCookie) ? setCookie : setCookie ? [setCookie] : [];
  const found = all.find((c) => c.startsWith(`${name}=`));
  return found?.split(';')[0];
}

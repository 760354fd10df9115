// Photo tests over real HTTP (fetch, FormData) against a listening server, in process or a child:
// requests, uploads, paging through feeds, polling, and the files left in the data dir.
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { after, before } from 'node:test';
import { setTimeout as delay } from 'node:timers/promises';
import type { ApiErrorBody, Page, Photo } from '../../src/shared/api.js';
import type { Envelope, EventType, SubscribeAck } from '../../src/shared/realtime.js';
import { buildTestApp, type TestApp } from './app.js';
import { connect, type TestSocket } from './sockets.js';

export interface Session {
  username: string;
  id: string;
  cookie: string;
}

export interface Res<T> {
  status: number;
  headers: Headers;
  body: T;
}

export interface CallOptions {
  cookie?: string | undefined;
  json?: unknown;
  body?: BodyInit;
  headers?: Record<string, string>;
}

/** One HTTP request; the body is parsed as JSON when there is one, else read as text. */
export async function call<T = unknown>(base: string, method: string, path: string, opts: CallOptions = {}): Promise<Res<T>> {
  const headers: Record<string, string> = { ...opts.headers };
  if (opts.cookie) headers.cookie = opts.cookie;
  let body = opts.body;
  if (opts.json !== undefined) {
    headers['content-type'] = 'application/json';
    body = JSON.stringify(opts.json);
  }
  const res = await fetch(`${base}${path}`, { method, headers, body: body ?? null, signal: AbortSignal.timeout(30_000) });
  const text = await res.text();
  let parsed: unknown = text;
  if (text && res.headers.get('content-type')?.includes('application/json')) parsed = JSON.parse(text);
  return { status: res.status, headers: res.headers, body: parsed as T };
}

/** Asserts the status (and, for errors, the error code) of a response, with the body in the message. */
export function expectStatus(res: Res<unknown>, status: number, code?: string): void {
  assert.equal(res.status, status, `expected ${status}${code ? ` ${code}` : ''}, got ${res.status} ${JSON.stringify(res.body)}`);
  if (code !== undefined) assert.equal((res.body as ApiErrorBody).error?.code, code, JSON.stringify(res.body));
}

/** Registers over HTTP and returns the session (works against any server, in process or not). */
export async function signUp(base: string, username: string, password = 'correct horse'): Promise<Session> {
  const res = await fetch(`${base}/api/auth/register`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username, password }),
  });
  const body = (await res.json()) as { user: { id: string } };
  assert.equal(res.status, 201, `register ${username}: ${res.status} ${JSON.stringify(body)}`);
  const cookie = res.headers.get('set-cookie')!.split(';')[0]!;
  return { username, id: body.user.id, cookie };
}

export interface UploadInput {
  /** The file part; absent means the form has no `file` field. */
  file?: Buffer;
  filename?: string;
  /** The type the client claims for the file part. */
  type?: string;
  caption?: string;
  city?: string;
  headers?: Record<string, string>;
}

/** POST /api/photos as multipart/form-data, the way a browser's FormData sends it. */
export async function upload(base: string, cookie: string | undefined, input: UploadInput): Promise<Res<{ photo: Photo } & Partial<ApiErrorBody>>> {
  const form = new FormData();
  if (input.caption !== undefined) form.append('caption', input.caption);
  if (input.city !== undefined) form.append('city', input.city);
  if (input.file) form.append('file', new Blob([new Uint8Array(input.file)], { type: input.type ?? 'image/jpeg' }), input.filename ?? 'photo.jpg');
  return call(base, 'POST', '/api/photos', { cookie, body: form, headers: input.headers ?? {} });
}

/** Uploads and asserts the 202; returns the photo as the reply shows it (processing). */
export async function uploadOk(base: string, cookie: string, input: UploadInput): Promise<Photo> {
  const res = await upload(base, cookie, input);
  expectStatus(res, 202);
  return res.body.photo;
}

export async function getPhoto(base: string, id: string, cookie?: string): Promise<Res<{ photo: Photo } & Partial<ApiErrorBody>>> {
  return call(base, 'GET', `/api/photos/${id}`, { cookie });
}

/** Polls `fn` until `ok` holds for its result; fails with the last result after `timeoutMs`. */
export async function until<T>(what: string, fn: () => Promise<T>, ok: (value: T) => boolean, timeoutMs = 15_000, everyMs = 25): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await fn();
    if (ok(value)) return value;
    if (Date.now() > deadline) assert.fail(`timed out after ${timeoutMs} ms waiting for ${what}; last: ${JSON.stringify(value)?.slice(0, 500)}`);
    await delay(everyMs);
  }
}

/** Waits until the photo is ready (as its owner sees it) and returns it. */
export async function readyPhoto(base: string, id: string, cookie: string, timeoutMs = 15_000): Promise<Photo> {
  const res = await until(
    `photo ${id} to be ready`,
    () => getPhoto(base, id, cookie),
    (r) => r.status === 200 && r.body.photo.status !== 'processing',
    timeoutMs,
  );
  assert.equal(res.body.photo.status, 'ready', JSON.stringify(res.body.photo));
  return res.body.photo;
}

/** Every item of a list, following `next` cursors; also returns how many pages it took. */
export async function allPages<T = Photo>(base: string, path: string, opts: { cookie?: string; limit?: number } = {}): Promise<{ items: T[]; pages: number }> {
  const items: T[] = [];
  let before: string | null = null;
  let pages = 0;
  const sep = path.includes('?') ? '&' : '?';
  do {
    const res: Res<Page<T>> = await call<Page<T>>(
      base,
      'GET',
      `${path}${sep}limit=${opts.limit ?? 100}${before ? `&before=${encodeURIComponent(before)}` : ''}`,
      { cookie: opts.cookie },
    );
    expectStatus(res, 200);
    items.push(...res.body.items);
    before = res.body.next;
    pages++;
    assert.ok(pages < 1_000, 'pagination does not end');
  } while (before);
  return { items, pages };
}

/** Every file (not directory) under `dir`, relative; [] when it does not exist. */
export function filesUnder(dir: string): string[] {
  let entries;
  try {
    entries = readdirSync(dir, { withFileTypes: true, recursive: true });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
  return entries.filter((e) => e.isFile()).map((e) => join(e.parentPath, e.name).slice(dir.length + 1));
}

export async function subscribe(s: TestSocket, stream: string): Promise<Extract<SubscribeAck, { ok: true }>> {
  const ack: SubscribeAck = await s.socket.timeout(5_000).emitWithAck('subscribe', { stream });
  assert.ok(ack.ok, `subscribe ${stream}: ${JSON.stringify(ack)}`);
  return ack;
}

/** The envelopes of one type (and stream, if given) received so far. */
export function eventsOf<T extends EventType>(s: TestSocket, type: T, stream?: string): Envelope<T>[] {
  return s.events.filter((e): e is Envelope<T> => e.type === type && (stream === undefined || e.stream === stream));
}

/** Waits for the `photo.ready` of this photo on this stream and returns its envelope. */
export async function readyEvent(s: TestSocket, stream: string, id: string, timeoutMs = 10_000): Promise<Envelope<'photo.ready'>> {
  const match = (e: Envelope) => e.type === 'photo.ready' && e.stream === stream && (e.data as { photo: Photo }).photo.id === id;
  await s.waitFor((evs) => evs.some(match), timeoutMs);
  return s.events.find(match) as Envelope<'photo.ready'>;
}

/** Waits for the `photo.deleted` of this photo on this stream. */
export async function deletedEvent(s: TestSocket, stream: string, id: string, timeoutMs = 10_000): Promise<Envelope<'photo.deleted'>> {
  const match = (e: Envelope) => e.type === 'photo.deleted' && e.stream === stream && (e.data as { id: string }).id === id;
  await s.waitFor((evs) => evs.some(match), timeoutMs);
  return s.events.find(match) as Envelope<'photo.deleted'>;
}

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** Sockets opened by a test file, to close them all at the end. */
export class SocketPool {
  private readonly opened: TestSocket[] = [];

  constructor(private readonly url: () => string) {}

  /** A real socket.io-client connection (anonymous without a cookie), subscribed to `streams`. */
  async open(cookie: string | undefined, ...streams: string[]): Promise<TestSocket> {
    const s = await connect(this.url(), cookie);
    this.opened.push(s);
    for (const stream of streams) await subscribe(s, stream);
    return s;
  }

  closeAll(): void {
    for (const s of this.opened.splice(0)) s.close();
  }
}

/**
 * Waits until the in-process app's job queue has nothing due or running: every job enqueued so far
 * (fan-out, notifications, purges) has run. A barrier before asserting that something happened once.
 */
export async function jobsSettled(app: TestApp, timeoutMs = 15_000): Promise<void> {
  await until(
    'the job queue to settle',
    async () =>
      (await app.adapters.db.query<{ n: number }>(`select count(*)::int as n from jobs where status = 'running' or (status = 'pending' and run_at <= now())`))[0]!.n,
    (n) => n === 0,
    timeoutMs,
  );
}

export interface PhotoServer {
  /** The in-process app, listening; there once the file's `before` hook ran. */
  readonly app: TestApp;
  /** Where it listens: `http://127.0.0.1:<port>`. */
  readonly url: string;
  /** The first account, which the server makes admin: taken first, so that no test user is one. */
  readonly admin: Session;
  /** The file's sockets, all closed after it. */
  readonly sockets: SocketPool;
}

/**
 * Registers the file's before/after hooks: one app for the whole file, listening on a port.
 * `setup` is the file's own setup, run once the app is up. (A top-level `before` of its own
 * would not wait: node:test runs top-level before hooks as soon as they are registered.)
 */
export function photoServer(setup?: (server: PhotoServer) => Promise<void>): PhotoServer {
  let app: TestApp | undefined;
  let admin: Session | undefined;
  const started = <T>(value: T | undefined): T => {
    if (value === undefined) throw new Error('photoServer() is used before its before hook ran');
    return value;
  };
  const sockets = new SocketPool(() => started(app).url);

  before(async () => {
    app = await buildTestApp(null);
    await app.listen();
    admin = await signUp(app.url, 'admin');
    await setup?.(server);
  });

  after(async () => {
    sockets.closeAll();
    await app?.close();
  });

  const server: PhotoServer = {
    get app() {
      return started(app);
    },
    get url() {
      return started(app).url;
    },
    get admin() {
      return started(admin);
    },
    sockets,
  };
  return server;
}

/** Signed-out sockets on the walls a photo reaches, and a follower's home. */
export interface Walls {
  latest: TestSocket;
  city: TestSocket;
  profile: TestSocket;
  home: TestSocket;
}

/**
 * Opens a socket on each wall a photo of `owner` taken in `city` (a slug) reaches: latest, the
 * city, the owner's profile, and the home of `follower`, who must follow the owner already.
 */
export async function openWalls(sockets: SocketPool, { owner, follower, city }: { owner: Session; follower: Session; city: string }): Promise<Walls> {
  return {
    latest: await sockets.open(undefined, 'latest'),
    city: await sockets.open(undefined, `city:${city}`),
    profile: await sockets.open(undefined, `profile:${owner.username}`),
    home: await sockets.open(follower.cookie, 'home'),
  };
}

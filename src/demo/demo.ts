// `strobe demo`: brings a running Strobe to life. Demo users sign up (or sign in again), follow
// each other, then upload generated photos across several cities at a chosen rate, like what they
// see and chat in the lobby, until stopped or the duration is over.
import { randomUUID } from 'node:crypto';
import { io, type Socket } from 'socket.io-client';
import type { ApiErrorBody, Page, Photo, PublicUser } from '../shared/api.js';
import type { ClientToServerEvents, ServerToClientEvents } from '../shared/realtime.js';
import { makeDemoPhoto, PLACES, seeded } from './art.js';
import { DemoClient } from './client.js';

export interface DemoOptions {
  url: string;
  users: number;
  /** Photos per second, across all demo users. */
  rate: number;
  /** Chat messages per second. */
  chatRate: number;
  /** Seconds; 0 runs until interrupted. */
  duration: number;
  seed: number;
  log(line: string): void;
}

const NAMES = ['ana', 'ben', 'chloe', 'dev', 'emma', 'felix', 'gita', 'hugo', 'ines', 'jon', 'kai', 'lea', 'milo', 'nora', 'omar', 'pia'];
export const DEMO_PASSWORD = 'strobe-demo-password';
const CAPTIONS = ['Golden hour', 'Walking home', 'Sunday market', 'Rooftops', 'Blue hour', 'Found this corner', 'Street colours', 'Morning light', 'After the rain', 'Lights coming on'];
const CHAT = ['Anyone out shooting today?', 'That last one from {city} is lovely', '/me waves', 'The light is perfect right now', 'Uploading a few more', 'Which lens was that?'];

/** GET /api/instance. */
interface InstanceInfo {
  hasAdmin: boolean;
}

interface DemoUser {
  user: PublicUser;
  client: DemoClient;
  /** Rate-limited until this time (ms). */
  pausedUntil: number;
  socket?: Socket<ServerToClientEvents, ClientToServerEvents>;
}

/** The demo will not run against this instance; the message says what to do instead. */
export class DemoRefused extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DemoRefused';
  }
}

export async function runDemo(opts: DemoOptions, signal: AbortSignal): Promise<void> {
  const random = seeded(opts.seed);
  const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)]!;
  await requireAdmin(opts);
  const users = await signUp(opts);
  await followSomeone(users, random, opts);
  for (const u of users.slice(0, 3)) u.socket = await joinChat(opts.url, u);
  opts.log(`demo: ${users.length} users ready; uploading ${opts.rate} photo/s across ${PLACES.length} cities. Ctrl-C stops.`);

  const until = opts.duration > 0 ? Date.now() + opts.duration * 1000 : Infinity;
  let nextPhoto = Date.now();
  let nextChat = Date.now() + 1000;
  let uploads = 0;
  try {
    while (!signal.aborted && Date.now() < until) {
      const now = Date.now();
      if (now >= nextPhoto) {
        nextPhoto = now + 1000 / opts.rate;
        const u = pick(users.filter((x) => x.pausedUntil <= now));
        if (u) {
          uploads += await uploadOne(u, random, opts);
          if (random() < 0.6) await likeSomething(pick(users), opts);
        }
      }
      if (opts.chatRate > 0 && now >= nextChat) {
        nextChat = now + 1000 / opts.chatRate;
        const talker = pick(users.filter((x) => x.socket));
        const text = pick(CHAT).replace('{city}', pick(PLACES).name);
        talker?.socket?.emit('chat:send', { room: 'lobby', text, clientId: randomUUID() }, () => {});
      }
      await sleep(Math.max(20, Math.min(nextPhoto, opts.chatRate > 0 ? nextChat : Infinity) - Date.now()), signal);
    }
  } finally {
    for (const u of users) u.socket?.close();
    opts.log(`demo: stopped after ${uploads} uploads`);
  }
}

/**
 * On an instance with no admin, the first account registered from its machine becomes one, and
 * the demo runs on that machine with a published password: it must never take that seat.
 */
async function requireAdmin(opts: DemoOptions): Promise<void> {
  const res = await new DemoClient(opts.url).json<InstanceInfo & ApiErrorBody>('GET', '/api/instance');
  if (res.status !== 200 || typeof res.body?.hasAdmin !== 'boolean') {
    throw new DemoRefused(`${opts.url} did not say whether it has an admin (GET /api/instance: ${res.status}); is it a Strobe of this version?`);
  }
  if (!res.body.hasAdmin) {
    throw new DemoRefused(
      'this Strobe has no admin yet, and a demo user must not become it. Register your own account first, in a browser on the machine Strobe runs on (it becomes the admin), or run `strobe admin create USERNAME` there; then start the demo again.',
    );
  }
}

async function signUp(opts: DemoOptions): Promise<DemoUser[]> {
  const users: DemoUser[] = [];
  for (const name of NAMES.slice(0, opts.users)) {
    const client = new DemoClient(opts.url);
    const username = `demo_${name}`;
    let res = await client.json<{ user: PublicUser } & ApiErrorBody>('POST', '/api/auth/register', { username, password: DEMO_PASSWORD });
    if (res.status === 409) res = await client.json('POST', '/api/auth/login', { username, password: DEMO_PASSWORD });
    if (res.status >= 300) throw new Error(`demo: cannot sign in ${username}: ${res.status} ${res.body?.error?.message ?? ''}`);
    // Anyone can sign in as a demo user: one that is an admin would hand the instance to them.
    if (res.body.user.isAdmin) {
      throw new DemoRefused(`${username} is an admin of this Strobe, and its password is public: revoke it (\`strobe admin revoke ${username}\`, and take it out of ADMIN_USERS), then start the demo again.`);
    }
    users.push({ user: res.body.user, client, pausedUntil: 0 });
  }
  return users;
}

async function followSomeone(users: DemoUser[], random: () => number, opts: DemoOptions): Promise<void> {
  let follows = 0;
  for (const u of users) {
    for (const other of users) {
      if (other === u || random() > 0.4) continue;
      const res = await u.client.json('PUT', `/api/users/${other.user.username}/follow`);
      if (res.status === 200) follows++;
    }
  }
  opts.log(`demo: ${follows} follows`);
}

async function uploadOne(u: DemoUser, random: () => number, opts: DemoOptions): Promise<number> {
  const place = PLACES[Math.floor(random() * PLACES.length)]!;
  const photo = await makeDemoPhoto(random, place);
  // Half name their city; the other half leave it to the GPS in the file.
  const fields: Record<string, string> = { caption: `${CAPTIONS[Math.floor(random() * CAPTIONS.length)]} · ${place.name}` };
  if (random() < 0.5) fields.city = place.slug;
  const started = Date.now();
  const res = await u.client.upload<{ photo: Photo } & ApiErrorBody>(photo, fields).catch((err: Error) => ({ status: 0, body: undefined, retryAfter: 0, err }));
  if (res.status === 202) {
    opts.log(`demo: ${u.user.username} uploaded "${fields.caption}" in ${Date.now() - started} ms`);
    return 1;
  }
  if (res.status === 429) u.pausedUntil = Date.now() + Math.max(1, res.retryAfter) * 1000;
  opts.log(`demo: ${u.user.username}'s upload was refused: ${res.status} ${res.body?.error?.message ?? 'no answer'}`);
  return 0;
}

async function likeSomething(u: DemoUser, opts: DemoOptions): Promise<void> {
  const res = await u.client.json<Page<Photo>>('GET', '/api/feeds/latest?limit=10');
  const photo = res.body?.items?.find((p) => !p.liked && p.owner.id !== u.user.id);
  if (!photo) return;
  const liked = await u.client.json('PUT', `/api/photos/${photo.id}/like`);
  if (liked.status !== 200) opts.log(`demo: ${u.user.username} could not like photo ${photo.id}: ${liked.status}`);
}

async function joinChat(url: string, u: DemoUser): Promise<Socket<ServerToClientEvents, ClientToServerEvents>> {
  const socket: Socket<ServerToClientEvents, ClientToServerEvents> = io(url, { transports: ['websocket'], extraHeaders: { cookie: u.client.cookie } });
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('connect_error', reject);
  });
  socket.emit('subscribe', { stream: 'chat:lobby' }, () => {});
  return socket;
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal.addEventListener('abort', () => {
      clearTimeout(timer);
      resolve();
    }, { once: true });
  });
}

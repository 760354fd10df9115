// What one connection holds, by kind of object: heap snapshots of each server before and after
// CLIENTS clients connect and subscribe (as in bench/memory.ts), subtracted, per connection, and
// then Strobe's figures minus bare Socket.IO's. Not part of the benchmark's figures (a snapshot
// perturbs the heap it measures); it explains them.
//   flock /tmp/strobe-bench.lock node --import tsx bench/memory/profile.ts   (CLIENTS, USERS, TOP)
import { withCleanup } from '../lib/strobe.js';
import { openClients } from './clients.js';
import { Inspector } from './inspector.js';
import { socketio, strobe, type Server } from './servers.js';
import { perConnection, takeSnapshot } from './snapshot.js';

const CLIENTS = Number(process.env.CLIENTS ?? 2_000);
const USERS = Number(process.env.USERS ?? CLIENTS);
const TOP = Number(process.env.TOP ?? 30);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const cleanups: (() => Promise<void>)[] = [];

async function profile(name: string, start: (users: number) => Promise<Server>) {
  const server = await start(USERS);
  cleanups.push(server.stop);
  const inspector = await Inspector.connect(server.inspectorUrl);
  try {
    const warm = await openClients({ url: server.url, count: 50, cookie: (i) => server.cookie?.(CLIENTS - 1 - i), setUp: (s, i) => server.setUp(s, CLIENTS - 1 - i) });
    warm.close();
    await sleep(2_000);
    const before = await takeSnapshot(inspector);
    const clients = await openClients({ url: server.url, count: CLIENTS, cookie: server.cookie, setUp: server.setUp });
    await sleep(5_000);
    const after = await takeSnapshot(inspector);
    clients.close();
    const rows = perConnection(before, after, CLIENTS);
    const total = rows.reduce((s, r) => s + r.bytes, 0);
    console.log(`\n${name}: ${(total / 1024).toFixed(2)} KiB of self size per connection; top ${TOP}:`);
    for (const r of rows.slice(0, TOP)) console.log(`  ${r.bytes.toFixed(0).padStart(6)} B  ${r.count.toFixed(2).padStart(6)}×  ${r.key}`);
    return rows;
  } finally {
    inspector.close();
    await sleep(500);
    await server.stop();
    cleanups.splice(cleanups.indexOf(server.stop), 1);
  }
}

await withCleanup(cleanups, async () => {
  const base = await profile('socket.io', socketio);
  const mine = await profile('strobe', strobe);
  const baseBy = new Map(base.map((r) => [r.key, r]));
  const diff = mine
    .map((r) => ({ key: r.key, bytes: r.bytes - (baseBy.get(r.key)?.bytes ?? 0), count: r.count - (baseBy.get(r.key)?.count ?? 0) }))
    .concat(base.filter((r) => !mine.some((m) => m.key === r.key)).map((r) => ({ key: r.key, bytes: -r.bytes, count: -r.count })))
    .sort((a, b) => b.bytes - a.bytes);
  const extra = diff.reduce((s, r) => s + r.bytes, 0);
  console.log(`\nstrobe − socket.io: ${(extra / 1024).toFixed(2)} KiB per connection; top ${TOP}:`);
  for (const r of diff.slice(0, TOP)) console.log(`  ${r.bytes.toFixed(0).padStart(6)} B  ${r.count.toFixed(2).padStart(6)}×  ${r.key}`);
});

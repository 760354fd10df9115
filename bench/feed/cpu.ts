// CPU time per request, by process: the server under load, the PostgreSQL backends of its database,
// Redis, and this process (the load generator). Read from /proc (Linux), user + system time.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import pg from 'pg';

export interface CpuShare {
  server: number;
  postgres: number;
  redis: number;
  loadgen: number;
}

const TICK_MS = 1000 / 100; // USER_HZ

function cpuMs(pid: number): number {
  return cpuMsIfAlive(pid) ?? 0;
}

/** Undefined once the process is gone (a backend that closed). */
function cpuMsIfAlive(pid: number): number | undefined {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return (Number(fields[11]) + Number(fields[12])) * TICK_MS;
  } catch {
    return undefined;
  }
}

function redisPid(): number | undefined {
  try {
    return Number(execFileSync('pidof', ['redis-server']).toString().trim().split(' ')[0]) || undefined;
  } catch {
    return undefined;
  }
}

/** Runs `fn` and returns µs of CPU per request of each process while it ran. */
export async function cpuPerRequest<T extends { requests: number }>(
  databaseUrl: string,
  serverPid: number,
  fn: () => Promise<T>,
): Promise<T & { cpuUs: CpuShare }> {
  const admin = new pg.Client({ connectionString: databaseUrl });
  await admin.connect();
  try {
    const backends = (await admin.query<{ pid: number }>(`select pid from pg_stat_activity where datname = current_database() and pid <> pg_backend_pid()`)).rows.map((r) => r.pid);
    const redis = redisPid();
    const backendsBefore = new Map(backends.map((pid) => [pid, cpuMs(pid)]));
    // A backend that closed during the run is left out (its share is lost: a lower bound), rather
    // than counted as giving its whole past CPU back.
    const backendsUsed = () => backends.reduce((a, pid) => a + Math.max(0, (cpuMsIfAlive(pid) ?? backendsBefore.get(pid)!) - backendsBefore.get(pid)!), 0);
    const before = { server: cpuMs(serverPid), redis: redis ? cpuMs(redis) : 0, loadgen: process.cpuUsage() };
    const result = await fn();
    const gen = process.cpuUsage(before.loadgen);
    const per = (ms: number) => Math.round((ms * 1000) / Math.max(1, result.requests));
    return {
      ...result,
      cpuUs: {
        server: per(cpuMs(serverPid) - before.server),
        postgres: per(backendsUsed()),
        redis: redis ? per(cpuMs(redis) - before.redis) : NaN,
        loadgen: per((gen.user + gen.system) / 1000),
      },
    };
  } finally {
    await admin.end();
  }
}

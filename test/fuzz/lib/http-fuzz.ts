// The HTTP fuzz run: a real server, batches of generated requests sent at once, every answer checked
// against the contract, the server's liveness checked as it goes, and the database checked after
// SIGTERM. Used by the fixed-seed test and by `npm run fuzz`.
import fc from 'fast-check';
import { parseCommentText } from '../../../src/features/comments/comments.text.js';
import { checkHttpAnswer, errorCodeOf, type Violation } from './contract.js';
import { Findings, type Finding } from './findings.js';
import { buildRequest, clip, httpBatch, type BuildContext, type HttpCase, type WireRequest } from './http-gen.js';
import { send, type WireResponse } from './http-send.js';
import { checkDatabase } from './invariants.js';
import { HTTP_REGRESSIONS, SIGNED_IN_REGRESSIONS } from './regressions.js';
import { World } from './world.js';

export interface RunOptions {
  seed: number;
  /** Property runs (HTTP: a batch of 1 to 9 requests sent at once; sockets: 1 to 6 actions). */
  runs?: number;
  /** Stop after this long instead (or as well): whichever comes first. */
  seconds?: number;
  /** Replay one run: its path as printed with a finding. */
  path?: string;
  log?: (line: string) => void;
}

export interface RouteStats {
  key: string;
  tried: number;
  /** Answers by status. */
  statuses: Record<string, number>;
}

export interface HttpReport {
  seed: number;
  runs: number;
  inputs: number;
  durationMs: number;
  routes: RouteStats[];
  totalRoutes: number;
  /** Documented routes that got at least one input. */
  covered: string[];
  /** Documented routes that answered at least one 2xx (the fuzzer got past validation and checks). */
  reached: string[];
  findings: Finding[];
  known: Finding[];
  docGaps: string[];
  dbCounts: Record<string, number>;
  /** Warnings the server logged, by message. */
  warnings: Record<string, number>;
}

class Fatal extends Error {}

/** Routes whose success ends the session they were sent with (or all of its user's). */
const AUTH_ROUTES = new Set(['POST /api/auth/login', 'POST /api/auth/register', 'POST /api/auth/logout', 'POST /api/auth/logout-all', 'POST /api/me/password', 'DELETE /api/me']);
const LIVENESS_EVERY = 25;

export async function fuzzHttp(opts: RunOptions): Promise<HttpReport> {
  const log = opts.log ?? (() => {});
  const started = Date.now();
  const world = await World.start({ log });
  log(`http: server up and seeded in ${Date.now() - started} ms; ${world.ops.length} documented routes`);
  const findings = new Findings();
  const stats = new Map<string, RouteStats>(world.ops.map((op) => [op.key, { key: op.key, tried: 0, statuses: {} }]));
  const labels = new Map<string, { described: string; replay: string }>();
  const replay = (index: number) => `npm run fuzz -- --only http --seed ${opts.seed} --path ${index}`;
  const ctx: BuildContext = {
    pools: world.pools,
    samples: world.samples,
    origin: world.base,
    port: world.port,
    cookieOf: (i) => world.cookieOf(i),
  };
  let runs = 0;
  let inputs = 0;
  const base = opts.path ? Number(opts.path.split(':')[0]) : 0;

  const sendOne = async (c: HttpCase, label: string, index: number): Promise<void> => {
    const { wire, described } = buildRequest(c, ctx);
    if (!wire.raw && !c.headers.some(([k]) => k === 'x-request-id')) wire.headers['x-request-id'] = `fz-${label}`;
    labels.set(`fz-${label}`, { described, replay: replay(index) });
    await sendChecked(c.op, wire, described, replay(index), c.session.kind === 'slot' ? c.session.i : undefined);
  };

  /** Sends a built request and checks the answer; `slot` is the session slot it used, if any. */
  const sendChecked = async (op: string, wire: WireRequest, described: string, replayHow: string, slotUsed: number | undefined): Promise<void> => {
    inputs++;
    const route = stats.get(op) ?? { key: op, tried: 0, statuses: {} };
    stats.set(op, route);
    route.tried++;
    const result = await send(world.target, wire);
    const record = (v: Violation) => findings.add(v, described, replayHow);
    if (process.env.FUZZ_DEBUG && result.kind === 'answered') log(`${described.slice(0, 100)} -> ${result.res.status} ${result.res.body.toString('utf8').slice(0, 80)}`);
    if (result.kind === 'unsendable') {
      route.statuses.unsendable = (route.statuses.unsendable ?? 0) + 1;
      return;
    }
    if (result.kind === 'no-answer') {
      route.statuses['no answer'] = (route.statuses['no answer'] ?? 0) + 1;
      return;
    }
    if (result.kind === 'failed') {
      route.statuses.failed = (route.statuses.failed ?? 0) + 1;
      // A server may refuse a body it will not read and close the connection while it is still
      // being sent; anything else without an answer is a finding.
      const big = (wire.body?.length ?? 0) > 1024 * 1024;
      if (!big || !/ECONNRESET|EPIPE|socket hang up/.test(result.reason)) {
        record({ property: 'answers', detail: `no HTTP answer: ${result.reason}`, signature: `answers ${op} ${result.reason.replace(/\d+/g, 'N')}` });
      }
      return;
    }
    const { res } = result;
    route.statuses[res.status] = (route.statuses[res.status] ?? 0) + 1;
    if (op === 'DELETE /api/photos/{id}' && (res.status === 204 || res.status === 404)) {
      world.pools.remove('readyPhotoId', decodeURIComponent(wire.path.split('/')[3] ?? ''));
    }
    for (const v of checkHttpAnswer(op, wire.method, res)) record(v);
    for (const v of checkEcho(op, wire, res)) record(v);
    if (res.status >= 200 && res.status < 300 && String(res.headers['content-type'] ?? '').includes('application/json')) {
      try {
        world.learn(JSON.parse(res.body.toString('utf8')));
      } catch {
        // checked above
      }
      if (op === 'POST /api/auth/register' && res.status === 201 && wire.body) {
        try {
          const creds = JSON.parse(wire.body.toString('utf8')) as { username: string; password: string };
          world.pools.add('credential', { username: creds.username, password: creds.password });
        } catch {
          // not JSON: cannot have registered
        }
      }
    }
    // A fuzzed sign-in, sign-out or 401 may have ended a slot's session: check it before the next batch.
    if (slotUsed !== undefined && (AUTH_ROUTES.has(op) ? res.status < 300 : res.status === 401 && errorCodeOf(res) === 'UNAUTHENTICATED')) {
      const slot = world.slots[world.slotIndex(slotUsed)];
      if (slot) slot.suspect = true;
    }
  };

  const property = fc.asyncProperty(httpBatch(world.ops), async (batch) => {
    const index = base + runs++;
    await world.repairSlots();
    if (index % 50 === 25) await world.topUpPhotos();
    await Promise.all(batch.map(async (c, i) => {
      if (c.delayMs) await new Promise((r) => setTimeout(r, c.delayMs));
      await sendOne(c, `${index}.${i}`, index);
    }));
    if (index % LIVENESS_EVERY === 0 || world.exited) {
      const down = await world.down();
      if (down) {
        findings.add({ property: 'server-up', detail: down, signature: `server-up ${down.replace(/\d+/g, 'N')}` }, batch.map((c) => buildRequest(c, ctx).described).join(' | '), replay(index));
        throw new Fatal(down);
      }
    }
    return true;
  });

  let dbCounts: Record<string, number> = {};
  try {
    const details = await fc.check(property, {
      seed: opts.seed,
      numRuns: opts.path ? 1 : (opts.runs ?? (opts.seconds ? 1_000_000 : 500)),
      ...(opts.path ? { path: opts.path } : {}),
      ...(opts.seconds ? { interruptAfterTimeLimit: opts.seconds * 1000, markInterruptAsFailure: false } : {}),
      endOnFailure: true,
    });
    if (details.failed && !(details.errorInstance instanceof Fatal)) {
      findings.add({ property: 'fuzzer', detail: `the fuzzer itself failed: ${String(details.errorInstance)}`, signature: 'fuzzer' }, String(details.counterexample), replay(base));
    }
    // The inputs that found something before, word for word, whatever the seed.
    if (!opts.path) {
      for (const [i, r] of HTTP_REGRESSIONS.entries()) {
        const wire = { ...r.wire, headers: { ...r.wire.headers } };
        const described = `${describeWire(r.wire)} (regression: ${r.name})`;
        const how = `a regression input (test/fuzz/lib/regressions.ts: ${r.name})`;
        if (!wire.raw) wire.headers['x-request-id'] = `fz-regression-${i}`;
        labels.set(`fz-regression-${i}`, { described, replay: how });
        await sendChecked(r.op, wire, described, how, undefined);
      }
      // The signed-in ones, from a user of their own (the fuzzed ones may be rate limited or gone).
      const slot = await world.addUser('fz_regress');
      const photo = await world.freshReadyPhoto(slot);
      for (const [i, r] of SIGNED_IN_REGRESSIONS.entries()) {
        if (!photo) {
          log(`regression "${r.name}" skipped: no ready photo to use`);
          continue;
        }
        const wire = { ...r.wire, path: r.wire.path.replace('{photo}', photo), headers: { ...r.wire.headers, cookie: world.cookieOf(slot) ?? '', 'x-request-id': `fz-regression-signed-${i}` } };
        const described = `${describeWire({ ...wire, headers: { 'content-type': 'application/json' } })} (regression: ${r.name})`;
        const how = `a regression input (test/fuzz/lib/regressions.ts: ${r.name})`;
        labels.set(`fz-regression-signed-${i}`, { described, replay: how });
        await sendChecked(r.op, wire, described, how, undefined);
      }
    }
    const down = await world.down();
    if (down) findings.add({ property: 'server-up', detail: `at the end: ${down}`, signature: 'server-up end' }, 'after the last input', replay(base));
    await world.quiesce();
    for (const v of await world.stop()) findings.add(v, 'SIGTERM after the run', replay(base));
    for (const { violation, reqId } of world.logViolations()) {
      const label = reqId ? labels.get(reqId) : undefined;
      findings.add(violation, label?.described ?? `(request ${reqId ?? 'unknown'})`, label?.replay ?? replay(base));
    }
    const db = await checkDatabase(world.server.dataDir);
    dbCounts = db.counts;
    for (const v of db.violations) findings.add(v, 'the data dir after the run', `npm run fuzz -- --only http --seed ${opts.seed}`);
  } finally {
    await world.dispose();
  }

  const routes = [...stats.values()];
  const documented = new Set(world.ops.map((op) => op.key));
  return {
    seed: opts.seed,
    runs,
    inputs,
    durationMs: Date.now() - started,
    routes,
    totalRoutes: documented.size,
    covered: routes.filter((r) => documented.has(r.key) && r.tried > 0).map((r) => r.key),
    reached: routes.filter((r) => documented.has(r.key) && Object.keys(r.statuses).some((s) => s.startsWith('2'))).map((r) => r.key),
    findings: findings.fresh,
    known: findings.known,
    docGaps: world.docGaps,
    dbCounts,
    warnings: Object.fromEntries(world.warnings),
  };
}

export function formatHttpReport(r: HttpReport): string {
  const lines = [
    `HTTP fuzz, seed ${r.seed}: ${r.inputs} requests in ${r.runs} batches, ${(r.durationMs / 1000).toFixed(1)} s`,
    `routes: ${r.covered.length}/${r.totalRoutes} documented routes fuzzed, ${r.reached.length}/${r.totalRoutes} answered 2xx at least once`,
  ];
  for (const route of [...r.routes].sort((a, b) => a.key.localeCompare(b.key))) {
    const statuses = Object.entries(route.statuses)
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([s, n]) => `${s}:${n}`)
      .join(' ');
    lines.push(`  ${route.key.padEnd(44)} ${String(route.tried).padStart(5)}  ${statuses}`);
  }
  const missing = r.routes.filter((x) => x.tried === 0).map((x) => x.key);
  if (missing.length) lines.push(`not fuzzed: ${missing.join(', ')}`);
  if (r.docGaps.length) lines.push(`OpenAPI gaps: ${r.docGaps.join('; ')}`);
  lines.push(`rows at the end: ${Object.entries(r.dbCounts).map(([t, n]) => `${t} ${n}`).join(', ')}`);
  if (Object.keys(r.warnings).length) lines.push(`server warnings: ${Object.entries(r.warnings).map(([m, n]) => `${m} (${n}×)`).join('; ')}`);
  return lines.join('\n');
}

function describeWire(w: WireRequest): string {
  if (w.raw) return `raw ${clip(JSON.stringify(w.raw.toString('latin1')), 120)}`;
  const headers = Object.entries(w.headers).map(([k, v]) => `${k}: ${clip(v, 60)}`).join('; ');
  return `${w.method} ${clip(w.path, 120)}${headers ? ` [${headers}]` : ''}${w.body ? ` ${clip(w.body.toString('utf8'), 120)}` : ''}`;
}

/**
 * Writes that answer with what they stored: a new comment (201, not a retry's 200) carries the text
 * sent, as the comments feature sanitizes it (its own parser is the oracle), lone surrogates read
 * back as U+FFFD.
 */
function checkEcho(op: string, wire: WireRequest, res: WireResponse): Violation[] {
  if (op !== 'POST /api/photos/{id}/comments' || res.status !== 201 || !wire.body) return [];
  try {
    const sent = JSON.parse(wire.body.toString('utf8')) as { text?: unknown };
    const stored = (JSON.parse(res.body.toString('utf8')) as { comment?: { text?: unknown } }).comment?.text;
    const expected = parseCommentText(sent.text);
    if (!expected.ok || typeof stored !== 'string') return [];
    const wellFormed = Buffer.from(expected.text, 'utf8').toString('utf8');
    if (stored === wellFormed) return [];
    return [{ property: 'stored-text', detail: `stored ${JSON.stringify(stored)} for a comment that sanitizes to ${JSON.stringify(expected.text)}`, signature: `stored-text ${op}` }];
  } catch {
    return [];
  }
}

// `strobe demo` never seats a demo user, whose password is published, as the instance's admin: it
// refuses an instance with no admin yet, and stops at a demo user that is one.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DemoRefused, runDemo, type DemoOptions } from '../../src/demo/demo.js';
import { buildTestApp, register, type TestApp } from '../helpers/app.js';

function options(url: string, lines: string[]): DemoOptions {
  return { url, users: 3, rate: 1, chatRate: 0, duration: 1, seed: 1, log: (line) => lines.push(line) };
}

async function usernames(app: TestApp): Promise<string[]> {
  const rows = await app.adapters.db.query<{ username: string }>('select username from users order by id');
  return rows.map((r) => r.username);
}

test('against a fresh instance, the demo refuses with what to do, and registers nobody', async (t) => {
  const app = await buildTestApp(t);
  const url = await app.listen();
  const lines: string[] = [];
  await assert.rejects(runDemo(options(url, lines), AbortSignal.timeout(30_000)), (err: Error) => {
    assert.ok(err instanceof DemoRefused, `${err.name}: ${err.message}`);
    assert.match(err.message, /no admin yet/);
    assert.match(err.message, /Register your own account first, in a browser on the machine Strobe runs on \(it becomes the admin\)/);
    assert.match(err.message, /strobe admin create USERNAME/);
    assert.ok(!err.message.includes('\n'), 'one line');
    return true;
  });
  assert.deepEqual(await usernames(app), []);
  assert.deepEqual(lines, []);
});

test('a demo user that is an admin stops the demo before it does anything as that user', async (t) => {
  const app = await buildTestApp(t, { ADMIN_USERS: 'demo_ana' });
  const url = await app.listen();
  await register(app, 'owner'); // from this machine: the admin
  const lines: string[] = [];
  await assert.rejects(runDemo(options(url, lines), AbortSignal.timeout(30_000)), (err: Error) => {
    assert.ok(err instanceof DemoRefused, `${err.name}: ${err.message}`);
    assert.match(err.message, /demo_ana is an admin/);
    assert.match(err.message, /strobe admin revoke demo_ana/);
    return true;
  });
  assert.deepEqual(await usernames(app), ['owner', 'demo_ana'], 'no demo user after the admin one');
  const [follows] = await app.adapters.db.query<{ n: number }>('select count(*)::int as n from follows');
  assert.equal(follows!.n, 0);
});

test('once the instance has an admin, the demo runs, and none of its users is an admin', async (t) => {
  const app = await buildTestApp(t);
  const url = await app.listen();
  await register(app, 'owner'); // from this machine: the admin
  const lines: string[] = [];
  await runDemo(options(url, lines), AbortSignal.timeout(30_000));
  assert.ok(lines.some((l) => l.includes('3 users ready')), lines.join('\n'));
  const rows = await app.adapters.db.query<{ username: string; is_admin: boolean }>('select username, is_admin from users order by id');
  assert.deepEqual(rows, [
    { username: 'owner', is_admin: true },
    { username: 'demo_ana', is_admin: false },
    { username: 'demo_ben', is_admin: false },
    { username: 'demo_chloe', is_admin: false },
  ]);
});

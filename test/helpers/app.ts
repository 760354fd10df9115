// The app in this process, on a fresh data dir: for medium tests with app.inject() and for e2e tests
// that need to reach inside (publish on the bus, count subscriptions).
import { rmSync } from 'node:fs';
import type { TestContext } from 'node:test';
import { buildStrobe, type Strobe } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import { freshDataDir } from './data-dir.js';

export interface TestApp extends Strobe {
  /** Set once `listen()` was called. */
  url: string;
  listen(): Promise<string>;
}

export async function buildTestApp(t: TestContext | null, env: Record<string, string> = {}): Promise<TestApp> {
  const dataDir = await freshDataDir();
  const config = loadConfig({ DATA_DIR: dataDir, LOG_LEVEL: 'silent', HOST: '127.0.0.1', PORT: '0', ...env });
  const strobe = await buildStrobe(config, false);
  const testApp: TestApp = Object.assign(strobe, {
    url: '',
    async listen() {
      await strobe.app.listen({ port: 0, host: '127.0.0.1' });
      const addr = strobe.app.server.address();
      testApp.url = `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}`;
      return testApp.url;
    },
  });
  const close = strobe.close.bind(strobe);
  testApp.close = async () => {
    await close();
    rmSync(dataDir, { recursive: true, force: true });
  };
  t?.after(() => testApp.close());
  return testApp;
}

/** The `name=value` part of a Set-Cookie header, ready to send back. */
export function cookieFrom(setCookie: string | string[] | undefined): string {
  const first = Array.isArray(setCookie) ? setCookie[0] : setCookie;
  if (!first) throw new Error('no Set-Cookie header');
  return first.split(';')[0]!;
}

/** Registers a user through the API and returns their session cookie. */
export async function register(app: TestApp, username: string, password = 'correct horse'): Promise<{ cookie: string; id: string }> {
  const res = await app.app.inject({ method: 'POST', url: '/api/auth/register', payload: { username, password } });
  if (res.statusCode !== 201) throw new Error(`register ${username}: ${res.statusCode} ${res.body}`);
  return { cookie: cookieFrom(res.headers['set-cookie']), id: res.json().user.id };
}

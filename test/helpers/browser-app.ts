// What each browser test file shares: the real server (a child process) and one chromium for the
// whole file, a fresh context per user, and the steps every test takes through the pages.
import { randomBytes } from 'node:crypto';
import { after, before } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { assertWebBuilt, launchBrowser, openPage, type OpenPage } from './browser.js';
import { startServer, type RunningServer } from './server.js';

export const PASSWORD = 'correct horse battery';

export interface BrowserApp {
  /** The server's base URL; there once the file's `before` hook ran. */
  readonly url: string;
  /** A new user: a fresh context (its own cookies) with one page, closed after the file. */
  open(): Promise<OpenPage>;
}

/** Registers the file's before/after hooks that start and stop the server and the browser. `env`: the server's extra environment (REGISTRATION=invite, say). */
export function browserApp(opts: { env?: Record<string, string> } = {}): BrowserApp {
  let server: RunningServer | undefined;
  let browser: Browser | undefined;
  const opened: OpenPage[] = [];

  before(async () => {
    assertWebBuilt();
    server = await startServer({ env: opts.env });
    browser = await launchBrowser();
  });

  after(async () => {
    for (const o of opened) await o.context.close().catch(() => {});
    await browser?.close();
    await server?.close();
  });

  const started = () => {
    if (!server || !browser) throw new Error('browserApp() is used before its before hook ran');
    return { server, browser };
  };
  return {
    get url() {
      return started().server.url;
    },
    async open() {
      const { server, browser } = started();
      const o = await openPage(browser, server.url);
      opened.push(o);
      return o;
    },
  };
}

/** A username no other test (or earlier run on the same server) has taken. */
export function uniqueName(prefix: string): string {
  return `${prefix}_${randomBytes(4).toString('hex')}`;
}

/** Signs up through the register page; the app lands in the lobby. */
export async function register(page: Page, username: string): Promise<void> {
  await page.goto('/register');
  await page.getByLabel('Username').fill(username);
  await page.getByLabel('Password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Create account' }).click();
  await page.waitForURL('**/chat/lobby');
}

export async function waitConnected(page: Page): Promise<void> {
  await page.locator('[data-testid="conn-status"][data-state="connected"]').waitFor();
}

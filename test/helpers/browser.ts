// Headless Debian chromium driven by playwright-core, for the browser tests.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';

export const CHROMIUM_PATH = '/usr/bin/chromium';
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-quic',
  '--no-first-run',
  '--disable-component-update',
  '--disable-sync',
];

export function launchBrowser(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM_PATH, headless: true, args: CHROMIUM_ARGS });
}

/** The tests drive the built bundle the server serves; fail early and clearly when it is missing. */
export function assertWebBuilt(): void {
  const index = fileURLToPath(new URL('../../dist/web/index.html', import.meta.url));
  if (!existsSync(index)) throw new Error('dist/web is not built: run `npx vite build` before the browser tests');
}

export interface OpenPage {
  context: BrowserContext;
  page: Page;
  /**
   * Uncaught page errors, console errors (not HTTP error statuses, which the app handles) and
   * Content-Security-Policy violations.
   */
  errors: string[];
  /** Messages of any alert/confirm/prompt the page opened (each is dismissed). */
  dialogs: string[];
}

/** A fresh context (its own cookies) with one page on `baseURL`. */
export async function openPage(browser: Browser, baseURL: string): Promise<OpenPage> {
  const context = await browser.newContext({ baseURL, viewport: { width: 1280, height: 800 } });
  context.setDefaultTimeout(10_000);
  const errors: string[] = [];
  const dialogs: string[] = [];
  // Every violation of the Content-Security-Policy, whether or not Chromium also logs it to the
  // console, fails the tests that assert no errors.
  await context.exposeBinding('__strobeCspViolation', (_source, text: string) => errors.push(`csp: ${text}`));
  await context.addInitScript(() => {
    document.addEventListener('securitypolicyviolation', (e) => {
      const report = (window as unknown as { __strobeCspViolation(text: string): void }).__strobeCspViolation;
      const where = e.sourceFile ? ` at ${e.sourceFile}:${e.lineNumber}` : '';
      report(`${e.effectiveDirective} blocked ${e.blockedURI || 'inline'}${where} on ${location.pathname}`);
    });
  });
  const page = await context.newPage();
  page.on('pageerror', (err) => errors.push(`pageerror: ${err.message}`));
  page.on('console', (msg) => {
    const text = msg.text();
    // Chromium's own network log, not the app's: failed loads, and a reconnect attempt made while a
    // test holds the context offline (socket.io-client retries on its own schedule).
    if (msg.type() === 'error' && !text.startsWith('Failed to load resource') && !text.includes('net::ERR_INTERNET_DISCONNECTED')) errors.push(`console: ${text}`);
  });
  page.on('dialog', (dialog) => {
    dialogs.push(dialog.message());
    void dialog.dismiss();
  });
  return { context, page, errors, dialogs };
}

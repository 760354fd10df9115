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
  /** Uncaught page errors and console errors (not HTTP error statuses, which the app handles). */
  errors: string[];
  /** Messages of any alert/confirm/prompt the page opened (each is dismissed). */
  dialogs: string[];
}

/** A fresh context (its own cookies) with one page on `baseURL`. */
export async function openPage(browser: Browser, baseURL: string): Promise<OpenPage> {
  const context = await browser.newContext({ baseURL, viewport: { width: 1280, height: 800 } });
  context.setDefaultTimeout(10_000);
  const page = await context.newPage();
  const errors: string[] = [];
  const dialogs: string[] = [];
  page.on('pageerror', (err) => errors.push(`pageerror: ${err.message}`));
  page.on('console', (msg) => {
    if (msg.type() === 'error' && !msg.text().startsWith('Failed to load resource')) errors.push(`console: ${msg.text()}`);
  });
  page.on('dialog', (dialog) => {
    dialogs.push(dialog.message());
    void dialog.dismiss();
  });
  return { context, page, errors, dialogs };
}

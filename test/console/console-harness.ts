import * as fs from 'fs';
import * as path from 'path';
import puppeteer, { type Browser, type Page } from 'puppeteer-core';
import type { RunningServer } from '../../src/main';
import { startTestServer, tempDir } from '../e2e/harness';
import { syntheticImage } from '../fixtures/synthetic-images';
import { tinyModelOnce } from '../fixtures/tiny-model-once';

/**
 * A real server (tiny whole-image model, SQLite in a temp folder, admin token) and a real
 * browser (Debian's chromium, driven by puppeteer-core: nothing is downloaded) for the console
 * tests and scripts/console-screenshots.ts.
 */
export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export const ADMIN_TOKEN = 'console-test-admin-token';

export interface ConsoleRig {
  server: RunningServer;
  origin: string;
  graphqlUrl: string;
  browser: Browser;
  dataDir: string;
  /** A synthetic photo (identity, shot) written to a PNG file, for file inputs. */
  photo(identity: number, shot: number, size?: number): Promise<string>;
  close(): Promise<void>;
}

export function chromiumMissing(): string | null {
  return fs.existsSync(CHROMIUM) ? null : `no browser at ${CHROMIUM} (apt-get install -y chromium, or set CHROMIUM_PATH)`;
}

export interface ConsoleRigOptions {
  env?: Record<string, string>;
  /** The model to serve (default: the tiny test model). */
  modelDir?: string | ((dataDir: string) => Promise<string>);
  /**
   * A model served first, then stopped, on the same database: it becomes an earlier version
   * (activated before the served one), which is what the Model page's "Roll back" goes to.
   */
  previousModelDir?: string;
  /** More Chromium flags (e.g. the fake camera for the webcam test). */
  browserArgs?: string[];
}

export async function startConsoleRig(opts: ConsoleRigOptions = {}): Promise<ConsoleRig> {
  const dataDir = tempDir('siamese-console-');
  const photos = path.join(dataDir, 'photos');
  fs.mkdirSync(photos);
  if (opts.previousModelDir) {
    const first = await startTestServer({ dataDir, adminToken: ADMIN_TOKEN, modelDir: opts.previousModelDir, env: opts.env });
    await first.close();
  }
  const modelDir = typeof opts.modelDir === 'function' ? await opts.modelDir(dataDir) : (opts.modelDir ?? (await tinyModelOnce()).modelDir);
  const server = await startTestServer({ dataDir, adminToken: ADMIN_TOKEN, modelDir, env: opts.env });
  const browser = await puppeteer.launch({
    executablePath: CHROMIUM,
    args: ['--no-sandbox', '--disable-gpu', ...(opts.browserArgs ?? [])],
    headless: true,
  });
  const origin = new URL(server.url).origin;
  return {
    server,
    origin,
    graphqlUrl: server.url,
    browser,
    dataDir,
    async photo(identity, shot, size = 64) {
      const file = path.join(photos, `person${identity}-shot${shot}-${size}.png`);
      if (!fs.existsSync(file)) fs.writeFileSync(file, await syntheticImage(identity, shot, { width: size, height: size }));
      return file;
    },
    async close() {
      await browser.close().catch(() => undefined);
      await server.close();
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** Everything that would show as a problem in the browser's console: errors, uncaught exceptions, failed requests. */
export function watchProblems(page: Page): string[] {
  const problems: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error') problems.push(`console.error: ${m.text()}`);
  });
  page.on('pageerror', (e) => problems.push(`uncaught: ${e instanceof Error ? e.message : String(e)}`));
  page.on('requestfailed', (r) => problems.push(`request failed: ${r.url()} ${r.failure()?.errorText ?? ''}`));
  return problems;
}

export async function openPage(page: Page, origin: string, route: string): Promise<void> {
  await page.goto(`${origin}/console/#/${route}`, { waitUntil: 'domcontentloaded' });
  await page.waitForSelector('main[data-ready="true"] h1');
}

export async function signIn(page: Page, origin: string, token = ADMIN_TOKEN): Promise<void> {
  await openPage(page, origin, 'search');
  await page.type('#admin-token', token);
  await page.click('.signin button[type="submit"]');
  await page.waitForFunction(() => document.querySelector('.signin [role="status"]')?.textContent?.includes('Signed in'));
}

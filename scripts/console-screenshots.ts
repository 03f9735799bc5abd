import * as fs from 'fs';
import * as path from 'path';
import { zlibSync } from './console-gzip';
import type { ElementHandle, Page } from 'puppeteer-core';
import { openPage, signIn, startConsoleRig } from '../test/console/console-harness';

/**
 * Screenshots of every console page (docs/console/*.png) and the console's measurements
 * (docs/console/measurements.json): bundle size (raw and gzip) and time to first render.
 *
 *   npm run build:console && node test/retraining/fixtures/ts-run.js scripts/console-screenshots.ts [--out docs/console] [--loads 7]
 *
 * Runs the real server with the tiny test model and Debian's chromium (test/console/console-harness.ts),
 * enrolls a few synthetic people through the API, then drives the console like a user.
 */
async function input(page: Page, selector: string): Promise<ElementHandle<HTMLInputElement>> {
  const el = await page.waitForSelector(selector, { timeout: 10_000 }).catch(() => null);
  if (!el) {
    await page.screenshot({ path: '/tmp/console-screenshot-failure.png' });
    throw new Error(`no ${selector} on ${page.url()} (see /tmp/console-screenshot-failure.png)`);
  }
  return el as ElementHandle<HTMLInputElement>;
}

export async function main(argv: string[]): Promise<number> {
  const arg = (name: string, dflt: string) => {
    const i = argv.indexOf(name);
    return i >= 0 && argv[i + 1] ? argv[i + 1] : dflt;
  };
  const out = path.resolve(arg('--out', 'docs/console'));
  const loads = Number(arg('--loads', '7'));
  fs.mkdirSync(out, { recursive: true });
  const rig = await startConsoleRig();
  try {
    const page = await rig.browser.newPage();
    await page.setViewport({ width: 1280, height: 860 });
    page.on('dialog', (d) => void d.accept());

    // Time to first render, cold (a fresh context each load: no cache, no session).
    const firstRender: number[] = [];
    const firstPaint: number[] = [];
    for (let i = 0; i < loads; i++) {
      const ctx = await rig.browser.createBrowserContext();
      const p = await ctx.newPage();
      await p.goto(`${rig.origin}/console/#/search`, { waitUntil: 'load' });
      await p.waitForSelector('main[data-ready="true"] h1');
      const t = await p.evaluate(() => ({
        render: performance.getEntriesByName('console-rendered')[0]?.startTime ?? NaN,
        fcp: performance.getEntriesByName('first-contentful-paint')[0]?.startTime ?? NaN,
      }));
      firstRender.push(t.render);
      firstPaint.push(t.fcp);
      await ctx.close();
    }

    await signIn(page, rig.origin);
    const people = [
      ['Ada Lovelace', 1],
      ['Ben Okri', 2],
      ['Chen Wei', 3],
      ['Dora Maar', 4],
    ] as const;
    for (const [name, identity] of people) {
      await openPage(page, rig.origin, 'identities');
      await page.type('#new-name', name);
      await page.click('form.create button[type="submit"]');
      await page.waitForSelector('#enroll-files');
      await (
        await input(page, '#enroll-files')
      ).uploadFile(await rig.photo(identity, 0), await rig.photo(identity, 1), await rig.photo(identity, 2));
      await page.waitForFunction(() => document.querySelector('label[for="enroll-bar"]')?.textContent?.includes('Enrolled 3 of 3'));
    }
    await page.waitForFunction(() => document.querySelectorAll('.image-grid li img.thumb').length === 3);
    await page.screenshot({ path: path.join(out, 'identities.png'), fullPage: true });

    await openPage(page, rig.origin, 'search');
    await (await input(page, '#search-photo')).uploadFile(await rig.photo(1, 7));
    await page.waitForSelector('.match-list li:first-child img.thumb');
    await page.click('.match-list li:first-child .buttons button:nth-child(1)');
    await page.waitForFunction(() =>
      document.querySelector('.match-list li:first-child [role="status"]')?.textContent?.startsWith('Recorded'),
    );
    await page.screenshot({ path: path.join(out, 'search.png'), fullPage: true });
    await (await input(page, '#search-photo')).uploadFile(await rig.photo(99, 0));
    await page.waitForFunction(() => document.querySelector('[data-testid="verdict"]')?.textContent?.startsWith('Unknown'));
    await page.waitForFunction(() => document.querySelectorAll('.match-list img.thumb').length > 0);
    await page.screenshot({ path: path.join(out, 'search-unknown.png'), fullPage: true });

    await openPage(page, rig.origin, 'verify');
    await (await input(page, '#verify-a')).uploadFile(await rig.photo(2, 3));
    await (await input(page, '#verify-b')).uploadFile(await rig.photo(2, 4));
    await page.waitForSelector('[data-testid="verdict"]');
    await page.screenshot({ path: path.join(out, 'verify.png'), fullPage: true });

    await openPage(page, rig.origin, 'model');
    await page.waitForSelector('.roc svg');
    await page.screenshot({ path: path.join(out, 'model.png'), fullPage: true });

    await openPage(page, rig.origin, 'training');
    await page.evaluate(() => {
      (document.querySelector('#rt-steps') as HTMLInputElement).value = '';
    });
    await page.type('#rt-steps', '30');
    await page.click('form.retrain button[type="submit"]');
    let final = false;
    try {
      await page.waitForFunction(
        () => /SUCCEEDED|FAILED|CANCELLED/.test(document.querySelector('[data-testid="run-status"]')?.textContent ?? ''),
        { timeout: 120_000 },
      );
      final = true;
    } catch {
      // Screenshot the run where it is.
    }
    await page.screenshot({ path: path.join(out, 'training.png'), fullPage: true });
    const runStatus = await page.$eval('[data-testid="run-status"]', (e) => e.textContent);

    const dist = path.resolve(__dirname, '..', 'console', 'dist');
    const bundle = Object.fromEntries(
      fs.readdirSync(dist).map((f) => {
        const bytes = fs.readFileSync(path.join(dist, f));
        return [f, { bytes: bytes.length, gzip: zlibSync(bytes) }];
      }),
    );
    const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
    const measurements = {
      measuredAt: new Date().toISOString(),
      browser: await rig.browser.version(),
      bundle,
      timeToFirstRenderMs: { loads, median: median(firstRender), all: firstRender.map((v) => Math.round(v)) },
      firstContentfulPaintMs: { median: median(firstPaint), all: firstPaint.map((v) => Math.round(v)) },
      retrainScreenshot: { final, status: runStatus },
    };
    fs.writeFileSync(path.join(out, 'measurements.json'), JSON.stringify(measurements, null, 2) + '\n');
    console.log(JSON.stringify(measurements, null, 2));
    return 0;
  } finally {
    await rig.close();
  }
}

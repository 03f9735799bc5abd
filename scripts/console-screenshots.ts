import * as fs from 'fs';
import * as path from 'path';
import { zlibSync } from './console-gzip';
import type { ElementHandle, Page } from 'puppeteer-core';
import { ADMIN_TOKEN, openPage, signIn, startConsoleRig } from '../test/console/console-harness';
import { gql } from '../test/e2e/http-client';
import { tinyModelOnce } from '../test/fixtures/tiny-model-once';

/**
 * Screenshots of every console page (docs/console/*.png) and the console's measurements
 * (docs/console/measurements.json): bundle size (raw and gzip) and time to first render.
 *
 *   npm run build:console && node test/retraining/fixtures/ts-run.js scripts/console-screenshots.ts [--out docs/console] [--loads 7]
 *     [--card-model models/face-resnet29-lfw] [--card-photos /work/shared/datasets/lfw-devtrain]
 *
 * Runs the real server with the tiny test model and Debian's chromium (test/console/console-harness.ts,
 * with Chromium's fake camera for the webcam shot), enrolls a few synthetic people through the API,
 * then drives the console like a user. The Model page is shot a second time with a shipped model
 * whose card has every part (--card-model; served after the tiny model, so "Roll back" shows),
 * with a gallery of --card-photos photos (the first photo of the first people, only counted:
 * the Model page shows no photo) so the open-set threshold is the rule's, not the default.
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
  const rig = await startConsoleRig({ browserArgs: ['--use-fake-ui-for-media-stream', '--use-fake-device-for-media-stream'] });
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

    // The webcam: Chromium's fake camera streams a test pattern.
    await openPage(page, rig.origin, 'search');
    await page.click('::-p-aria(Take photo[role="button"])');
    await page.waitForFunction(() => ((document.querySelector('video') as HTMLVideoElement | null)?.videoWidth ?? 0) > 0);
    await page.waitForSelector('::-p-aria(Capture and search[role="button"]):not([disabled])');
    await page.screenshot({ path: path.join(out, 'search-webcam.png'), fullPage: true });

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

    const cardShot = await modelCardScreenshot(
      out,
      arg('--card-model', 'models/face-resnet29-lfw'),
      arg('--card-photos', '/work/shared/datasets/lfw-devtrain'),
    );

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
      modelCardScreenshot: cardShot,
    };
    fs.writeFileSync(path.join(out, 'measurements.json'), JSON.stringify(measurements, null, 2) + '\n');
    console.log(JSON.stringify(measurements, null, 2));
    return 0;
  } finally {
    await rig.close();
  }
}

/**
 * model-card.png: the Model page serving `modelDir` (a shipped model with a full card), the tiny
 * test model served before it (so the versions list offers "Roll back"), and a gallery of the
 * first photo of the first people under `photosDir`. Skipped (null) when either is missing.
 */
async function modelCardScreenshot(out: string, modelDir: string, photosDir: string): Promise<Record<string, unknown> | null> {
  const dir = path.resolve(modelDir);
  if (!fs.existsSync(path.join(dir, 'model-card.json')) || !fs.existsSync(photosDir)) {
    console.warn(`model-card.png skipped: no ${dir}/model-card.json or no ${photosDir}`);
    return null;
  }
  const rig = await startConsoleRig({
    previousModelDir: (await tinyModelOnce()).modelDir,
    modelDir: dir,
    env: { SIAMESE_BACKEND: 'wasm' },
  });
  try {
    const people = fs
      .readdirSync(photosDir)
      .filter((p) => fs.statSync(path.join(photosDir, p)).isDirectory())
      .sort()
      .slice(0, 12);
    let enrolled = 0;
    for (const person of people) {
      const file = fs.readdirSync(path.join(photosDir, person)).sort()[0];
      const id = (
        await gql(rig.graphqlUrl, 'mutation($n: String!) { createIdentity(name: $n) { id } }', { n: person }, { token: ADMIN_TOKEN })
      ).data.createIdentity.id;
      const r = await gql(
        rig.graphqlUrl,
        'mutation($id: ID!, $i: [ImageInput!]!) { enrollImages(identityId: $id, images: $i) { id } }',
        { id, i: [{ base64: fs.readFileSync(path.join(photosDir, person, file)).toString('base64') }] },
        { token: ADMIN_TOKEN },
      );
      if (!r.errors) enrolled++;
    }
    const page = await rig.browser.newPage();
    await page.setViewport({ width: 1280, height: 860 });
    await signIn(page, rig.origin);
    await openPage(page, rig.origin, 'model');
    await page.waitForSelector('[data-testid="roll-back"]');
    await page.waitForSelector('[data-testid="learning-curve"], [data-testid="no-learning-curve"]');
    await page.screenshot({ path: path.join(out, 'model-card.png'), fullPage: true });
    const openSet = (await gql(rig.graphqlUrl, '{ model { version openSet { galleryImages threshold rule } } }')).data.model;
    return { model: path.relative(process.cwd(), dir), enrolled, ...openSet };
  } finally {
    await rig.close();
  }
}

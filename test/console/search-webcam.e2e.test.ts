import type { HTTPRequest, Page } from 'puppeteer-core';
import { gql } from '../e2e/http-client';
import { syntheticImage } from '../fixtures/synthetic-images';
import { ADMIN_TOKEN, chromiumMissing, openPage, startConsoleRig, watchProblems, type ConsoleRig } from './console-harness';

/**
 * "Take photo" on the Search page (issue 15) with Chromium's fake camera: the browser grants
 * the camera without asking (--use-fake-ui-for-media-stream) and streams a synthetic test
 * pattern (--use-fake-device-for-media-stream). The captured frame must travel the same path as
 * a picked file: one multipart searchSimilar with a JPEG, and a verdict on the page.
 */
const missing = chromiumMissing();
const describeWithBrowser = missing ? describe.skip : describe;
if (missing) console.warn(`console e2e skipped: ${missing}`);

describeWithBrowser('console Search page: take a photo with the webcam (real browser, fake camera)', () => {
  let rig: ConsoleRig;
  let page: Page;
  let problems: string[];

  beforeAll(async () => {
    rig = await startConsoleRig({ browserArgs: ['--use-fake-ui-for-media-stream', '--use-fake-device-for-media-stream'] });
    const id = (await gql(rig.graphqlUrl, 'mutation { createIdentity(name: "Cam Person") { id } }', {}, { token: ADMIN_TOKEN })).data
      .createIdentity.id;
    const r = await gql(
      rig.graphqlUrl,
      'mutation($id: ID!, $i: [ImageInput!]!) { enrollImages(identityId: $id, images: $i) { id } }',
      { id, i: [{ base64: (await syntheticImage(5, 0)).toString('base64') }] },
      { token: ADMIN_TOKEN },
    );
    expect(r.errors).toBeUndefined();
  }, 120_000);
  afterAll(async () => rig?.close());

  beforeEach(async () => {
    const context = await rig.browser.createBrowserContext();
    page = await context.newPage();
    problems = watchProblems(page);
  });
  afterEach(async () => {
    await page.browserContext().close();
  });

  it('"Take photo" previews the camera, and "Capture and search" sends one JPEG frame through searchSimilar and shows the verdict', async () => {
    const uploads: HTTPRequest[] = [];
    page.on('request', (r) => {
      if (r.url().endsWith('/graphql') && r.method() === 'POST' && (r.headers()['content-type'] ?? '').startsWith('multipart/form-data'))
        uploads.push(r);
    });
    await openPage(page, rig.origin, 'search');
    await page.click('::-p-aria(Take photo[role="button"])');
    await page.waitForSelector('video[aria-label="camera preview"]');
    // The preview plays the fake camera's frames.
    await page.waitForFunction(() => (document.querySelector('video') as HTMLVideoElement).videoWidth > 0);
    const capture = await page.waitForSelector('::-p-aria(Capture and search[role="button"]):not([disabled])');
    await capture!.click();
    await page.waitForFunction(
      () =>
        document.querySelector('[data-testid="verdict"]') !== null ||
        /NO_FACE_DETECTED/.test(document.querySelector('[role="alert"]')?.textContent ?? ''),
      { timeout: 30_000 },
    );
    // The camera is released once the frame is taken.
    expect(await page.$('video')).toBeNull();

    expect(uploads).toHaveLength(1);
    // The multipart body (puppeteer hands a binary body over base64-encoded), read as Latin-1: one char per byte.
    const raw = (await uploads[0].fetchPostData()) ?? '';
    const body = (raw.includes('Content-Disposition') ? Buffer.from(raw, 'latin1') : Buffer.from(raw, 'base64')).toString('latin1');
    expect(body).toContain('searchSimilar');
    expect(body).toMatch(/filename="camera-[\dTZ-]+\.jpg"\r\nContent-Type: image\/jpeg/);
    // A JPEG: the file part starts with the SOI marker FF D8 FF.
    const head = 'Content-Type: image/jpeg\r\n\r\n';
    const start = body.indexOf(head) + head.length;
    expect(Array.from(body.slice(start, start + 3), (c) => c.charCodeAt(0))).toEqual([0xff, 0xd8, 0xff]);

    // The tiny whole-image model has no face stage: the frame is searched and a verdict shown, with the photo beside it.
    expect(await page.$eval('[data-testid="verdict"]', (e) => e.textContent)).toMatch(/^(Match: |Unknown)/);
    expect(await page.$eval('.face-photo figcaption', (e) => e.textContent)).toMatch(/^camera-.*\.jpg$/);
    expect(await page.$$eval('.match-list li', (l) => l.length)).toBe(1);
    expect(problems).toEqual([]);
  });

  it('"Take photo" is not offered where the browser has no camera API', async () => {
    await page.evaluateOnNewDocument(() => {
      Object.defineProperty(navigator, 'mediaDevices', { value: undefined, configurable: true });
    });
    await openPage(page, rig.origin, 'search');
    await page.waitForSelector('#search-photo');
    expect(await page.$$eval('button', (b) => b.map((x) => x.textContent))).not.toContain('Take photo');
    expect(await page.$$eval('button', (b) => b.map((x) => x.textContent))).toContain('Choose a photo to search');
    expect(problems).toEqual([]);
  });
});

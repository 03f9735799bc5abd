import * as path from 'path';
import type { Dialog, Page } from 'puppeteer-core';
import { gql } from '../e2e/http-client';
import { RICH_INTENDED_USE } from '../fixtures/rich-card';
import { makeRichCardModelDir } from '../fixtures/rich-card-model';
import { syntheticImage } from '../fixtures/synthetic-images';
import { tinyModelOnce } from '../fixtures/tiny-model-once';
import { ADMIN_TOKEN, chromiumMissing, openPage, signIn, startConsoleRig, watchProblems, type ConsoleRig } from './console-harness';

/**
 * The console's Model page (issue 15) in a real browser: the serving version's card (intended
 * use and limitations, data, metrics with intervals), the open-set threshold for the current
 * gallery as the API computes it, the learning curve, and "Roll back" to the version that served
 * before. Two versions on one database: the plain tiny model served first, then the same
 * architecture with other weights and a card with every part (test/fixtures/rich-card.ts).
 */
const missing = chromiumMissing();
const describeWithBrowser = missing ? describe.skip : describe;
if (missing) console.warn(`console e2e skipped: ${missing}`);

const ADMIN = { token: ADMIN_TOKEN };
const ALPHA = 0.05; // SIAMESE_OPEN_SET_FAR's default

describeWithBrowser('console Model page (real browser)', () => {
  let rig: ConsoleRig;
  let page: Page;
  let problems: string[];
  let dialogs: string[];
  let answer: 'accept' | 'dismiss';
  let plainVersion: string;
  let rich: { version: string; t: number };

  beforeAll(async () => {
    const plain = await tinyModelOnce();
    plainVersion = plain.card.version;
    rig = await startConsoleRig({
      previousModelDir: plain.modelDir,
      modelDir: async (dataDir) => {
        const dir = path.join(dataDir, 'rich-model');
        const card = await makeRichCardModelDir(dir);
        rich = { version: card.version, t: card.thresholds.default };
        return dir;
      },
    });
    // A gallery of 4 images: 2 people × 2.
    for (const identity of [1, 2]) {
      const id = (await gql(rig.graphqlUrl, 'mutation($n: String!) { createIdentity(name: $n) { id } }', { n: `p${identity}` }, ADMIN)).data
        .createIdentity.id;
      const images = await Promise.all([0, 1].map(async (s) => ({ base64: (await syntheticImage(identity, s)).toString('base64') })));
      const r = await gql(
        rig.graphqlUrl,
        'mutation($id: ID!, $i: [ImageInput!]!) { enrollImages(identityId: $id, images: $i) { id } }',
        { id, i: images },
        ADMIN,
      );
      expect(r.errors).toBeUndefined();
    }
  }, 180_000);
  afterAll(async () => rig?.close());

  beforeEach(async () => {
    const context = await rig.browser.createBrowserContext();
    page = await context.newPage();
    await page.setViewport({ width: 1280, height: 900 });
    problems = watchProblems(page);
    dialogs = [];
    answer = 'accept';
    page.on('dialog', (d: Dialog) => {
      dialogs.push(d.message());
      void (answer === 'accept' ? d.accept() : d.dismiss());
    });
  });
  afterEach(async () => {
    await page.browserContext().close();
  });

  const servingVersion = async () => (await gql(rig.graphqlUrl, '{ model { version } }')).data.model.version as string;
  const text = (selector: string) => page.$eval(selector, (e) => (e as HTMLElement).innerText);

  it("shows the serving version's card: intended use and limitations, data, metrics with their intervals, learning curve", async () => {
    await openPage(page, rig.origin, 'model'); // anonymous: the model and its card need role search only
    await page.waitForSelector('[data-testid="card-intended-use"]');
    const use = await text('[data-testid="card-intended-use"]');
    expect(use).toContain(RICH_INTENDED_USE.summary);
    for (const s of [...RICH_INTENDED_USE.intendedFor, ...RICH_INTENDED_USE.notFor, ...RICH_INTENDED_USE.failureModes])
      expect(use).toContain(s);
    expect(use).toContain(RICH_INTENDED_USE.calibratedOn);
    expect(use).toContain('Only 12 validation identities'); // the card's warning
    expect(await text('[data-testid="card-data"]')).toMatch(/Identities\s+12 \(0 for training, 12 held out/);
    // No SIAMESE_COMPANION_MODEL: no companion row (model-companion.e2e.test.ts shows one).
    expect(await page.$('[data-testid="companion"]')).toBeNull();

    // Metrics with their intervals, formatted from the card's numbers (AUC as is, rates in %).
    const row = (key: string) =>
      page.$eval(`tr[data-metric="${key}"]`, (tr) =>
        Array.from(tr.querySelectorAll('td')).map((td) => (td as HTMLElement).innerText.trim()),
      );
    const group = (source: string) => page.$eval(`tr.group[data-source="${source}"]`, (tr) => (tr as HTMLElement).innerText);
    expect(await row('heldOut/auc')).toEqual(['AUC', '0.9800', '95 % 0.9600 – 0.9900 (identity bootstrap, 200 rounds)']);
    expect(await row('heldOut/eer')).toEqual(['EER', '1.50 %', '95 % 0.90 % – 2.40 % (identity bootstrap, 200 rounds)']);
    expect(await group('heldOut')).toContain('10 identities, 50 images, 100 same / 400 different pairs');
    expect(await group('heldOut')).toContain('npx siamese eval --model rich --data heldout');
    // The one-shot number inside the eval report keeps its own sample.
    expect(await row('heldOut/oneShotAccuracy')).toEqual(['one-shot accuracy (5-way, 40 episodes)', '87.50 %', '—']);
    expect(await row('oneShotRuns/oneShotAccuracy')).toEqual(['one-shot accuracy', '95.00 %', '95 % 83.50 % – 98.60 % (Wilson)']);
    expect(await row('validation/eer')).toEqual(['EER', '2.00 %', '—']);
    // The pixel baseline is shown and marked as one.
    expect(await group('validation · pixelEuclidean baseline')).toContain('baseline');
    expect(await page.$eval('[data-testid="card-metrics"]', (e) => (e as HTMLElement).innerText)).toContain('EER 1.50 %'); // measured claims

    // The learning curve: the card's 3 validation passes, one-shot and EER panels.
    expect(await page.$eval('[data-testid="learning-curve"]', (e) => e.getAttribute('data-points'))).toBe('3');
    expect(await page.$$eval('[data-testid="learning-curve"] svg polyline', (l) => l.length)).toBeGreaterThanOrEqual(2);
    expect(await page.$eval('[data-testid="learning-curve"]', (e) => e.textContent)).toContain('kept: epoch 2');
    expect(problems).toEqual([]);
  });

  it('shows the open-set threshold for the current gallery size, equal to what the API computes (and searchSimilar applies: test/server/model-card.e2e.test.ts)', async () => {
    await openPage(page, rig.origin, 'model');
    await page.waitForSelector('[data-testid="open-set-threshold"]');
    const shown = await page.$eval('[data-testid="open-set-threshold"]', (e) => ({
      threshold: Number(e.getAttribute('data-threshold')),
      gallery: Number(e.getAttribute('data-gallery')),
      text: (e as HTMLElement).innerText,
    }));
    const api = (await gql(rig.graphqlUrl, '{ model { openSet { galleryImages threshold rule } } }')).data.model.openSet;
    expect(shown.gallery).toBe(4);
    expect(api.galleryImages).toBe(4);
    expect(shown.threshold).toBe(api.threshold);
    // By hand: f = 1 − 0.95^(1/4) = 0.01274 lies between the fixture ROC's FAR 0.002 (at t/2) and 0.05 (at t).
    const f = 1 - Math.pow(1 - ALPHA, 1 / 4);
    expect(shown.threshold).toBeCloseTo(rich.t / 2 + ((f - 0.002) / 0.048) * (rich.t / 2), 12);
    expect(shown.text).toContain(`d ≤ ${api.threshold.toPrecision(4)} (open-set rule, per-comparison FAR 1.27%`);
    // Marked on the ROC too.
    expect(await page.$eval('.roc svg', (s) => s.textContent)).toContain(`open-set, 4 images: d ≤ ${api.threshold.toPrecision(4)}`);

    // Another gallery size, computed by the API.
    await page.type('#gallery-size', '100');
    await page.click('form.inline button[type="submit"]');
    await page.waitForSelector('[data-testid="open-set-what-if"]');
    const hundred = (await gql(rig.graphqlUrl, '{ model { openSet(galleryImages: 100) { threshold } } }')).data.model.openSet;
    expect(await text('[data-testid="open-set-what-if"]')).toContain(`100 images: d ≤ ${hundred.threshold.toPrecision(4)}`);
    expect(problems).toEqual([]);
  });

  it('"Roll back" asks first, then activates the version that served before (checked through GraphQL); rolling back again returns', async () => {
    expect(await servingVersion()).toBe(rich.version);
    await signIn(page, rig.origin);
    await openPage(page, rig.origin, 'model');
    const button = '[data-testid="roll-back"]';
    await page.waitForSelector(button);
    expect(await text(button)).toBe(`Roll back to ${plainVersion}`);

    // Declined: nothing changes.
    answer = 'dismiss';
    await page.click(button);
    expect(dialogs).toHaveLength(1);
    expect(dialogs[0]).toContain(`Roll back to ${plainVersion}`);
    expect(await servingVersion()).toBe(rich.version);

    answer = 'accept';
    await page.click(button);
    await page.waitForFunction(
      (v) => document.querySelector('[data-testid="activation-status"]')?.textContent === `Rolled back to ${v}: it serves now.`,
      { timeout: 60_000 },
      plainVersion,
    );
    expect(await servingVersion()).toBe(plainVersion);
    const versions = (await gql(rig.graphqlUrl, '{ modelVersions { version active } }', {}, ADMIN)).data.modelVersions;
    expect(versions.filter((v: { active: boolean }) => v.active).map((v: { version: string }) => v.version)).toEqual([plainVersion]);
    // The page now shows the plain model's card (no intended use, no history), and offers the way back.
    await page.waitForFunction((v) => document.querySelector('[data-testid="serving-version"]')?.textContent === v, {}, plainVersion);
    await page.waitForSelector('[data-testid="no-intended-use"]');
    await page.waitForSelector('[data-testid="no-learning-curve"]');
    await page.waitForFunction(
      (v) => document.querySelector('[data-testid="roll-back"]')?.textContent === `Roll back to ${v}`,
      {},
      rich.version,
    );

    await page.click(button);
    await page.waitForFunction(
      (v) => document.querySelector('[data-testid="activation-status"]')?.textContent === `Rolled back to ${v}: it serves now.`,
      { timeout: 60_000 },
      rich.version,
    );
    expect(await servingVersion()).toBe(rich.version);
    expect(dialogs).toHaveLength(3);
    expect(problems).toEqual([]);
  }, 120_000);

  it('every control on the Model page has an accessible name', async () => {
    await signIn(page, rig.origin);
    await openPage(page, rig.origin, 'model');
    await page.waitForSelector('[data-testid="roll-back"]');
    const INTERACTIVE = new Set(['button', 'link', 'textbox', 'searchbox', 'combobox', 'spinbutton', 'checkbox', 'radio', 'slider']);
    const tree = await page.accessibility.snapshot({ interestingOnly: true });
    const unnamed: string[] = [];
    const named: string[] = [];
    const walk = (n: { role: string; name?: string; children?: unknown[] } | null) => {
      if (!n) return;
      if (INTERACTIVE.has(n.role)) (n.name?.trim() ? named : unnamed).push(`${n.role}: ${n.name ?? ''}`);
      for (const c of (n.children ?? []) as Array<typeof n>) walk(c);
    };
    walk(tree as never);
    expect(unnamed).toEqual([]);
    expect(named).toEqual(
      expect.arrayContaining([
        'spinbutton: Another gallery size (images)',
        'button: Compute threshold',
        `button: Roll back to ${plainVersion}`,
      ]),
    );
    expect(problems).toEqual([]);
  });
});

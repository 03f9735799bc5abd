import * as fs from 'fs';
import * as path from 'path';
import type { Page } from 'puppeteer-core';
import { gql } from '../e2e/http-client';
import { MULTIREF_SIGNATURE_MODEL_DIR, SHIPPED_SIGNATURE_MODEL_DIR } from '../training/fixtures/shipped-signature-model';
import { chromiumMissing, openPage, startConsoleRig, watchProblems, type ConsoleRig } from './console-harness';

/**
 * The console's Model page with a companion encoder (SIAMESE_COMPANION_MODEL, session 49) in a real browser: the
 * default signature card serves, the multi-reference card answers verifyIdentity from three references, and the page
 * says so with the companion's own thresholds, read here from its card and from the API.
 */
const missing = chromiumMissing();
const describeWithBrowser = missing ? describe.skip : describe;
if (missing) console.warn(`console e2e skipped: ${missing}`);

describeWithBrowser('console Model page with a companion encoder (real browser)', () => {
  let rig: ConsoleRig;
  let page: Page;
  const companionCard = JSON.parse(fs.readFileSync(path.join(MULTIREF_SIGNATURE_MODEL_DIR, 'model-card.json'), 'utf8'));

  beforeAll(async () => {
    rig = await startConsoleRig({
      modelDir: SHIPPED_SIGNATURE_MODEL_DIR,
      env: { SIAMESE_BACKEND: 'wasm', SIAMESE_COMPANION_MODEL: MULTIREF_SIGNATURE_MODEL_DIR },
    });
  }, 180_000);
  afterAll(async () => rig?.close());

  it('names the companion, from how many references it answers, and its thresholds', async () => {
    const context = await rig.browser.createBrowserContext();
    page = await context.newPage();
    const problems = watchProblems(page);
    try {
      await openPage(page, rig.origin, 'model');
      await page.waitForSelector('[data-testid="companion"]');
      const shown = await page.$eval('[data-testid="companion"]', (e) => (e as HTMLElement).innerText);
      const api = (await gql(rig.graphqlUrl, '{ model { companion { name version fromReferences } } }')).data.model.companion;
      expect(api).toEqual({ name: companionCard.name, version: companionCard.version, fromReferences: 3 });
      expect(shown).toContain('verifyIdentity with 3 or more references');
      expect(shown).toContain(companionCard.name);
      expect(shown).toContain(companionCard.version);
      // Its own t_R for R = 3, 5, 10 (not the served card's), and its SPREAD share.
      for (const r of companionCard.thresholds.references.filter((e: { references: number }) => e.references >= 3))
        expect(shown).toContain(`R = ${r.references}: ${r.threshold.toPrecision(4)}`);
      expect(shown).not.toContain('R = 2:');
      expect(shown).toContain(`+ ${companionCard.thresholds.referenceShift} × its references' spread`);
      expect(problems).toEqual([]);
    } finally {
      await context.close();
    }
  });
});

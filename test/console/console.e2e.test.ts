import type { ElementHandle, Page } from 'puppeteer-core';
import { gql, gqlMultipart } from '../e2e/http-client';
import { syntheticImage } from '../fixtures/synthetic-images';
import { ADMIN_TOKEN, chromiumMissing, openPage, signIn, startConsoleRig, watchProblems, type ConsoleRig } from './console-harness';

/**
 * The web console (issue 15) in a real browser against a real server (tiny whole-image model,
 * SQLite). Each test makes its own people (distinct synthetic identities), so none depends on
 * another's order or leftovers.
 */
const missing = chromiumMissing();
const describeWithBrowser = missing ? describe.skip : describe;
if (missing) console.warn(`console e2e skipped: ${missing}`);

async function fileInput(page: Page, selector: string): Promise<ElementHandle<HTMLInputElement>> {
  return (await page.waitForSelector(selector)) as ElementHandle<HTMLInputElement>;
}

const PAGES = ['search', 'verify', 'identities', 'model', 'training'];
const ADMIN = { token: ADMIN_TOKEN };

describeWithBrowser('web console (real browser)', () => {
  let rig: ConsoleRig;
  let page: Page;
  let problems: string[];

  beforeAll(async () => {
    rig = await startConsoleRig();
  }, 120_000);
  afterAll(async () => rig?.close());

  beforeEach(async () => {
    // A fresh browser context per test: its own sessionStorage, so sign-in state never leaks between tests.
    const context = await rig.browser.createBrowserContext();
    page = await context.newPage();
    problems = watchProblems(page);
    page.on('dialog', (d) => void d.accept());
  });
  afterEach(async () => {
    await page.browserContext().close();
  });

  const createPerson = async (name: string, identity: number, shots: number[]) => {
    const id = (await gql(rig.graphqlUrl, 'mutation($n: String!) { createIdentity(name: $n) { id } }', { n: name }, ADMIN)).data
      .createIdentity.id as string;
    const files = await Promise.all(
      shots.map(async (s, i) => ({ path: `variables.images.${i}.upload`, bytes: await syntheticImage(identity, s) })),
    );
    const r = await gqlMultipart(
      rig.graphqlUrl,
      'mutation($id: ID!, $images: [ImageInput!]!) { enrollImages(identityId: $id, images: $images) { id } }',
      { id, images: shots.map(() => ({ upload: null })) },
      files,
      ADMIN,
    );
    expect(r.errors).toBeUndefined();
    return { id, imageIds: (r.data.enrollImages as Array<{ id: string }>).map((x) => x.id) };
  };

  const thumbnail = (imageId: string, headers: Record<string, string> = { authorization: `Bearer ${ADMIN_TOKEN}` }) =>
    fetch(`${rig.origin}/thumbnails/${imageId}?size=64`, { headers });

  it('serves the console at /console (GET / leads there) with a strict CSP and no outside reference', async () => {
    const root = await fetch(`${rig.origin}/`, { redirect: 'manual' });
    expect(root.status).toBe(302);
    expect(root.headers.get('location')).toBe('/console/');
    const html = await fetch(`${rig.origin}/console/`);
    expect(html.status).toBe(200);
    expect(html.headers.get('content-security-policy')).toContain("script-src 'self'");
    const js = await (await fetch(`${rig.origin}/console/console.js`)).text();
    // Offline: no CDN or other origin is fetched by the bundle.
    expect(js).not.toMatch(/https?:\/\/(?!www\.w3\.org)[a-z0-9.-]+\.[a-z]{2,}\//i);
  });

  it('loads every page with no console error, anonymously and signed in', async () => {
    for (const route of PAGES) await openPage(page, rig.origin, route);
    await signIn(page, rig.origin);
    for (const route of PAGES) {
      await openPage(page, rig.origin, route);
      await new Promise((r) => setTimeout(r, 300)); // let the page's first queries answer
    }
    expect(await page.$eval('h1', (h) => h.textContent)).toBe('Training');
    expect(problems).toEqual([]);
  });

  it('enrolls two people by file upload; a search by upload shows the right thumbnail first, and "unknown" for a stranger; "wrong person" stores a labelled pair', async () => {
    await signIn(page, rig.origin);
    const names = { a: 'Ada Console', b: 'Ben Console' };
    const ids: Record<string, string> = {};
    for (const [key, identity] of [
      ['a', 11],
      ['b', 12],
    ] as const) {
      await openPage(page, rig.origin, 'identities');
      await page.type('#new-name', names[key]);
      await page.click('form.create button[type="submit"]');
      // Wait for the new person's detail (its heading is their name) before uploading. openPage to the same #route is
      // a same-document navigation, so the previous person's detail and file input were still there; uploading to
      // them raced the creation and the progress list vanished with the old detail (CI, stop 28: a 120 s timeout).
      await page.waitForFunction(
        (name) => document.querySelector('.detail-pane h2')?.textContent === name,
        { timeout: 60_000 },
        names[key],
      );
      await page.waitForSelector('#enroll-files');
      ids[key] = (await page.$eval('.id-list button.selected', (b) => b.getAttribute('data-identity-id')))!;
      expect(await page.$eval('.id-list button.selected .name', (n) => n.textContent)).toBe(names[key]);
      await (await fileInput(page, '#enroll-files')).uploadFile(await rig.photo(identity, 0), await rig.photo(identity, 1));
      // Wait for both files to settle (done or failed), then say which: under a loaded CI machine an enrollment can
      // take longer than puppeteer's default 30 s, and a failure should show its error, not a timeout.
      await page.waitForFunction(() => document.querySelectorAll('.enroll-progress li.done, .enroll-progress li.failed').length === 2, {
        timeout: 120_000,
      });
      expect(await page.$eval('.enroll-progress', (e) => e.textContent)).toContain('Enrolled 2 of 2');
      await page.waitForFunction(() => document.querySelectorAll('.image-grid li img.thumb').length === 2, { timeout: 60_000 });
    }
    const ada = await gql(rig.graphqlUrl, 'query($id: ID!) { identity(id: $id) { name imageCount images { id } } }', { id: ids.a }, ADMIN);
    expect(ada.data.identity).toMatchObject({ name: names.a, imageCount: 2 });
    const adaImages = (ada.data.identity.images as Array<{ id: string }>).map((i) => i.id);

    // Search with an unseen shot of Ada.
    await openPage(page, rig.origin, 'search');
    await (await fileInput(page, '#search-photo')).uploadFile(await rig.photo(11, 7));
    await page.waitForSelector('[data-testid="verdict"]');
    expect(await page.$eval('[data-testid="verdict"]', (e) => e.textContent)).toBe(`Match: ${names.a}`);
    const first = await page.$eval('.match-list li', (li) => li.getAttribute('data-identity-id'));
    expect(first).toBe(ids.a);
    await page.waitForSelector('.match-list li:first-child img.thumb');
    const thumb = await page.$eval('.match-list li:first-child img.thumb', (img) => ({
      id: img.getAttribute('data-image-id'),
      loaded: (img as HTMLImageElement).complete && (img as HTMLImageElement).naturalWidth > 0,
      alt: img.getAttribute('alt'),
    }));
    expect(adaImages).toContain(thumb.id);
    expect(thumb.loaded).toBe(true);
    expect(thumb.alt).toBe(`closest enrolled photo of ${names.a}`);

    // A stranger.
    await (await fileInput(page, '#search-photo')).uploadFile(await rig.photo(99, 0));
    await page.waitForFunction(() => document.querySelector('[data-testid="verdict"]')?.textContent?.startsWith('Unknown'));
    expect(await page.$$eval('.match-list .badge', (b) => b.map((x) => x.textContent))).not.toContain('match');

    // "Wrong person" on the stranger's closest entry stores a labelled pair (same: false) tagged with that person.
    const closest = (await page.$eval('.match-list li', (li) => li.getAttribute('data-identity-id')))!;
    const before = await gql(rig.graphqlUrl, '{ labelledPairs(first: 100) { items { id same identityIds } } }', {}, ADMIN);
    await page.click('.match-list li:first-child .buttons button:nth-child(2)');
    await page.waitForFunction(() =>
      document.querySelector('.match-list li:first-child [role="status"]')?.textContent?.startsWith('Recorded as wrong person'),
    );
    const after = await gql(rig.graphqlUrl, '{ labelledPairs(first: 100) { items { id same identityIds } } }', {}, ADMIN);
    const seen = new Set((before.data.labelledPairs.items as Array<{ id: string }>).map((p) => p.id));
    const added = (after.data.labelledPairs.items as Array<{ id: string; same: boolean; identityIds: string[] }>).filter(
      (p) => !seen.has(p.id),
    );
    expect(added).toHaveLength(1);
    expect(added[0].same).toBe(false);
    expect(added[0].identityIds).toEqual([closest]);
    expect(problems).toEqual([]);
  }, 300_000);

  it('an image deleted in the console is gone from the thumbnail route (404), which never answers without role read', async () => {
    const carol = await createPerson('Carol Console', 21, [0, 1]);
    const [gone, kept] = carol.imageIds;
    const ok = await thumbnail(gone);
    expect(ok.status).toBe(200);
    expect(ok.headers.get('content-type')).toBe('image/jpeg');
    expect(ok.headers.get('cache-control')).toBe('private, no-cache');
    const etag = ok.headers.get('etag')!;
    expect((await thumbnail(gone, { authorization: `Bearer ${ADMIN_TOKEN}`, 'if-none-match': etag })).status).toBe(304);
    expect((await thumbnail(gone, {})).status).toBe(401);
    expect((await thumbnail(gone, { authorization: 'Bearer wrong' })).status).toBe(401);

    await signIn(page, rig.origin);
    await openPage(page, rig.origin, 'identities');
    // The list arrives after the page's heading: wait for carol's entry before clicking it.
    await page.waitForSelector(`.id-list button[data-identity-id="${carol.id}"]`, { timeout: 60_000 });
    await page.click(`.id-list button[data-identity-id="${carol.id}"]`);
    await page.waitForFunction(() => document.querySelectorAll('.image-grid li img.thumb').length === 2);
    await page.click(`.image-grid li[data-image-id="${gone}"] button`); // the confirmation dialog is accepted
    await page.waitForFunction(() => document.querySelectorAll('.image-grid li').length === 1);
    expect(await page.$eval('.image-grid li', (li) => li.getAttribute('data-image-id'))).toBe(kept);
    const after = await thumbnail(gone);
    expect(after.status).toBe(404);
    expect(((await after.json()) as { errors: Array<{ extensions: { code: string } }> }).errors[0].extensions.code).toBe('NOT_FOUND');
    // Revalidation of the cached copy is refused too: the browser drops it.
    expect((await thumbnail(gone, { authorization: `Bearer ${ADMIN_TOKEN}`, 'if-none-match': etag })).status).toBe(404);
    expect((await thumbnail(kept)).status).toBe(200);
    const badSize = await fetch(`${rig.origin}/thumbnails/${kept}?size=9999`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
    expect(badSize.status).toBe(400);
    expect(
      ((await badSize.json()) as { errors: Array<{ extensions: { code: string; argument: string } }> }).errors[0].extensions,
    ).toMatchObject({ code: 'BAD_USER_INPUT', argument: 'size' });
    expect(problems).toEqual([]);
  }, 120_000);

  it('a short retrain shows its progress moving live and ends with the new version active', async () => {
    // Its own server: promoting a new model must not change what the other tests search with.
    const own = await startConsoleRig();
    try {
      const page = await own.browser.newPage();
      const problems = watchProblems(page);
      for (const [name, identity] of [
        ['Eve Console', 41],
        ['Finn Console', 42],
      ] as const) {
        const id = (await gql(own.graphqlUrl, 'mutation($n: String!) { createIdentity(name: $n) { id } }', { n: name }, ADMIN)).data
          .createIdentity.id;
        const r = await gql(
          own.graphqlUrl,
          'mutation($id: ID!, $images: [ImageInput!]!) { enrollImages(identityId: $id, images: $images) { id } }',
          { id, images: await Promise.all([0, 1].map(async (s) => ({ base64: (await syntheticImage(identity, s)).toString('base64') }))) },
          ADMIN,
        );
        expect(r.errors).toBeUndefined();
      }
      await signIn(page, own.origin);
      await openPage(page, own.origin, 'training');
      // Every text the live status line shows, recorded in the page as it changes (the subscription's pushes).
      await page.evaluate(() => {
        const seen: string[] = [];
        (window as unknown as { seen: string[] }).seen = seen;
        new MutationObserver(() => {
          const t = document.querySelector('[data-testid="run-status"]')?.textContent;
          if (t && seen[seen.length - 1] !== t) seen.push(t);
        }).observe(document.body, { subtree: true, childList: true, characterData: true });
      });
      await page.$eval('#rt-steps', (e) => ((e as HTMLInputElement).value = ''));
      await page.type('#rt-steps', '12');
      await page.select('#rt-promote', 'ALWAYS');
      await page.click('form.retrain button[type="submit"]');
      await page.waitForFunction(
        () => /SUCCEEDED|FAILED|CANCELLED/.test(document.querySelector('[data-testid="run-status"]')?.textContent ?? ''),
        { timeout: 150_000 },
      );
      const seen = await page.evaluate(() => (window as unknown as { seen: string[] }).seen);
      expect(seen[seen.length - 1]).toMatch(/^SUCCEEDED/);
      // Moving: more than one training step was shown before the end.
      const steps = new Set(seen.map((t) => /training (\d+)\/12/.exec(t)?.[1]).filter(Boolean));
      expect(steps.size).toBeGreaterThan(1);
      const run = (
        await gql(own.graphqlUrl, '{ trainingRuns(first: 1) { items { status promoted modelVersion } } model { version } }', {}, ADMIN)
      ).data;
      expect(run.trainingRuns.items[0]).toMatchObject({ status: 'SUCCEEDED', promoted: true });
      expect(run.model.version).toBe(run.trainingRuns.items[0].modelVersion);
      expect(problems).toEqual([]);
    } finally {
      await own.close();
    }
  }, 180_000);

  it('every control has an accessible name, and the pages are reachable by keyboard', async () => {
    await createPerson('Dora Console', 31, [0]);
    await signIn(page, rig.origin);
    const INTERACTIVE = new Set(['button', 'link', 'textbox', 'searchbox', 'combobox', 'spinbutton', 'checkbox', 'radio', 'slider']);
    for (const route of PAGES) {
      await openPage(page, rig.origin, route);
      if (route === 'identities') {
        await page.waitForSelector('.id-list button');
        await page.click('.id-list button');
        await page.waitForSelector('#enroll-files');
      }
      const tree = await page.accessibility.snapshot({ interestingOnly: true });
      const unnamed: string[] = [];
      let controls = 0;
      const walk = (n: { role: string; name?: string; children?: unknown[] } | null) => {
        if (!n) return;
        if (INTERACTIVE.has(n.role)) {
          controls++;
          if (!n.name || !n.name.trim()) unnamed.push(`${route}: ${n.role}`);
        }
        for (const c of (n.children ?? []) as Array<typeof n>) walk(c);
      };
      walk(tree as never);
      expect(unnamed).toEqual([]);
      expect(controls).toBeGreaterThan(5);
    }

    // Keyboard only: Tab from the top of the page to the "Identities" link, Enter opens it.
    await openPage(page, rig.origin, 'search');
    let reached = false;
    for (let i = 0; i < 15 && !reached; i++) {
      await page.keyboard.press('Tab');
      reached = await page.evaluate(() => document.activeElement?.textContent === 'Identities');
    }
    expect(reached).toBe(true);
    await page.keyboard.press('Enter');
    await page.waitForFunction(() => location.hash === '#/identities' && document.querySelector('h1')?.textContent === 'Identities');
    // The photo picker is a real button, reachable and labelled.
    await openPage(page, rig.origin, 'search');
    await page.focus('.drop button');
    expect(await page.evaluate(() => document.activeElement?.textContent)).toBe('Choose a photo to search');
    expect(problems).toEqual([]);
  });
});

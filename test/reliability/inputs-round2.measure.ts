import * as fs from 'fs';
import * as path from 'path';
import sharp from 'sharp';
import type { ModelCard } from '../../src/embedding/model-card';
import type { RunningServer } from '../../src/main';
import { tinyModelOnce } from '../fixtures/tiny-model-once';
import { syntheticImage, syntheticPixels } from '../fixtures/synthetic-images';
import { codes, gql, type GqlResponse } from '../e2e/http-client';
import { startTestServer, tempDir } from '../e2e/harness';

/**
 * The measurement behind docs/reliability/round2/inputs-and-names.md: every case of issue 13
 * items 5 and 9 sent once, the answer printed, nothing asserted, so the same file runs on the
 * code before the change (the BEFORE column) and after it (the AFTER column):
 *
 *   npx jest --testMatch '**' --testRegex 'inputs-round2\.measure\.ts$' test/reliability/inputs-round2.measure.ts
 *
 * The assertions live in bad-inputs-round2.e2e.test.ts.
 */
jest.setTimeout(300_000);

const TOKEN = 'reliability-admin-token-0123456789';
const CREATE = `mutation($n: String!, $m: JSONObject) { createIdentity(name: $n, metadata: $m) { id } }`;
const VERIFY = `query($a: ImageInput!, $b: ImageInput!) { verify(a: $a, b: $b) { match } }`;
const SEARCH = `query($i: ImageInput!) { searchSimilar(image: $i, k: 1) { distance } }`;
const b64 = (b: Uint8Array) => Buffer.from(b).toString('base64');
const answer = (r: GqlResponse) => `${r.status} ${codes(r).join(',') || 'accepted'}`;
const nestedJson = (depth: number) => '{"a":'.repeat(depth - 1) + '{}' + '}'.repeat(depth - 1);
const grey = async (w: number, h: number) =>
  sharp(Buffer.from(syntheticPixels(3, 0, w, h)), { raw: { width: w, height: h, channels: 1 } })
    .png()
    .toBuffer();

it('measures every case', async () => {
  const rows: Array<[string, string]> = [];
  const dataDir = tempDir('siamese-measure-inputs-');
  const { modelDir, card } = await tinyModelOnce();
  const server = await startTestServer({ dataDir, adminToken: TOKEN, modelDir });
  const url = server.url;
  const png = b64(await syntheticImage(1, 0));
  const run = async (name: string, send: () => Promise<GqlResponse>) => rows.push([name, answer(await send())]);
  const admin = (q: string, v: Record<string, unknown>) => () => gql(url, q, v, { token: TOKEN });
  try {
    const id = (await gql(url, CREATE, { n: 'kept' }, { token: TOKEN })).data.createIdentity.id;
    const imageId = (
      await gql(
        url,
        `mutation($id: ID!, $i: [ImageInput!]!) { enrollImages(identityId: $id, images: $i) { id } }`,
        { id, i: [{ base64: png }] },
        { token: TOKEN },
      )
    ).data.enrollImages[0].id;

    await run('anonymous `identity(id: "\\ud800")`', () => gql(url, `query($id: ID!) { identity(id: $id) { id } }`, { id: '\ud800' }));
    await run('anonymous `verify(a: { imageId: "x\\udfff" })`', () => gql(url, VERIFY, { a: { imageId: 'x\udfff' }, b: { base64: png } }));
    await run('`createIdentity(name: "Ada\\ud83d")`', admin(CREATE, { n: 'Ada\ud83d' }));
    await run('metadata key `"k\\ud800"`', admin(CREATE, { n: 'mk', m: { 'k\ud800': 1 } }));
    await run('metadata value `"v\\udc00"`', admin(CREATE, { n: 'mv', m: { k: 'v\udc00' } }));
    await run(
      '`labelPair(note: "x\\ud800")`',
      admin(`mutation($a: ImageInput!, $n: String) { labelPair(a: $a, b: $a, same: true, note: $n) { id } }`, {
        a: { imageId },
        n: 'x\ud800',
      }),
    );
    await run('`trainingRun(id: "\\ud800")`', admin(`query($id: ID!) { trainingRun(id: $id) { id } }`, { id: '\ud800' }));
    await run(
      '`activateModel(version: "\\ud800")`',
      admin(`mutation($v: String!) { activateModel(version: $v) { version } }`, { v: '\ud800' }),
    );
    await run('base64 `"iVBO\\ud800"`', () => gql(url, SEARCH, { i: { base64: 'iVBO\ud800' } }));

    await run('metadata nested 10,000 deep (variable)', async () => {
      const res = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${TOKEN}` },
        body: `{"query":${JSON.stringify(CREATE)},"variables":{"n":"deep","m":${nestedJson(10_000)}}}`,
      });
      const body = (await res.json()) as { errors?: GqlResponse['errors'] };
      return { status: res.status, data: null, errors: body.errors };
    });
    await run(
      'metadata nested 10,000 deep (literal in the query)',
      admin(`mutation { createIdentity(name: "lit", metadata: ${'{a:'.repeat(10_000)}1${'}'.repeat(10_000)}) { id } }`, {}),
    );
    await run('metadata depth 17', admin(CREATE, { n: 'd17', m: JSON.parse(nestedJson(17)) }));
    await run(
      'metadata with 257 keys',
      admin(CREATE, { n: 'wide', m: Object.fromEntries(Array.from({ length: 257 }, (_, i) => [`k${i}`, i])) }),
    );
    await run('metadata of 1 MB', admin(CREATE, { n: 'big', m: { bio: 'x'.repeat(1_000_000) } }));

    await gql(url, CREATE, { n: 'Zo\u00eb' }, { token: TOKEN });
    await run('`createIdentity("Zoe\\u0308")` after "Zoë" (NFD vs NFC)', admin(CREATE, { n: 'Zoe\u0308' }));
    await gql(url, CREATE, { n: '\uff21\uff22\uff23' }, { token: TOKEN });
    await run('`createIdentity("abc")` after "ＡＢＣ"', admin(CREATE, { n: 'abc' }));
    await gql(url, CREATE, { n: 'Stra\u00dfe' }, { token: TOKEN });
    await run('`createIdentity("STRASSE")` after "Straße"', admin(CREATE, { n: 'STRASSE' }));
    await run('name of zero-width spaces', admin(CREATE, { n: '\u200b\u200b' }));
    await run('name with NUL', admin(CREATE, { n: 'a\u0000b' }));
    const five = await Promise.all(['Twin', 'twin', 'TWIN', ' twin', 'Twin '].map((n) => gql(url, CREATE, { n }, { token: TOKEN })));
    rows.push(['5 concurrent creates of "twin" (case variants)', `${five.filter((r) => !r.errors).length} created`]);

    const one = await sharp({ create: { width: 1, height: 1, channels: 3, background: '#fff' } })
      .png()
      .toBuffer();
    await run('searchSimilar 1×1 PNG', () => gql(url, SEARCH, { i: { base64: b64(one) } }));
    await run('verify b = 8×8 PNG', async () => gql(url, VERIFY, { a: { base64: png }, b: { base64: b64(await grey(8, 8)) } }));
    await run('searchSimilar 16×16 PNG', async () => gql(url, SEARCH, { i: { base64: b64(await grey(16, 16)) } }));
  } finally {
    await server.close();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }

  // Model cards: copies of the tiny model with an edited card.
  const root = tempDir('siamese-measure-cards-');
  const broken = (name: string, edit: (c: ModelCard) => ModelCard) => {
    const dir = path.join(root, name);
    fs.mkdirSync(dir);
    for (const f of fs.readdirSync(modelDir)) fs.copyFileSync(path.join(modelDir, f), path.join(dir, f));
    fs.writeFileSync(path.join(dir, 'model-card.json'), JSON.stringify(edit(structuredClone(card))));
    return dir;
  };
  const cardCase = async (name: string, dir: string) => {
    let s: RunningServer | undefined;
    try {
      s = await startTestServer({ dataDir: fs.mkdtempSync(path.join(root, 'd-')), adminToken: TOKEN, modelDir: dir });
    } catch (e) {
      rows.push([name, `start refused: ${(e as { code?: string }).code}`]);
      return;
    }
    const health = await (await fetch(s.url.replace('/graphql', '/healthz'))).status;
    const r = await gql(s.url, VERIFY, { a: { base64: png }, b: { base64: png } });
    rows.push([name, `starts, /healthz ${health}; verify(x, x): ${r.errors ? answer(r) : `match ${r.data.verify.match}`}`]);
    await s.close();
  };
  try {
    await cardCase(
      'card input 40×40, model.json 32×32',
      broken('size', (c) => ({ ...c, preprocessing: { ...c.preprocessing, width: 40, height: 40 } })),
    );
    await cardCase(
      'card default threshold −0.1',
      broken('neg', (c) => ({ ...c, thresholds: { ...c.thresholds, default: -0.1 } })),
    );
    const s = await startTestServer({ dataDir: fs.mkdtempSync(path.join(root, 'd-')), adminToken: TOKEN, modelDir });
    try {
      const dir = broken('bad-version', (c) => ({ ...c, version: 'bad-card', thresholds: { ...c.thresholds, default: -1 } }));
      await s.internals.store.registerModelVersion(
        { version: 'bad-card', dir, fingerprint: card.fingerprint, metric: card.metric, card: {} },
        false,
      );
      await run('activateModel of a version whose card has default −1', () =>
        gql(s.url, `mutation { activateModel(version: "bad-card") { version } }`, {}, { token: TOKEN }),
      );
    } finally {
      await s.close();
    }
  } finally {
    fs.rmSync(root, { recursive: true, force: true });
  }
  console.log(['| input | answer |', '|---|---|', ...rows.map(([n, a]) => `| ${n} | ${a} |`)].join('\n'));
  expect(rows.length).toBeGreaterThan(20);
});

import * as fs from 'fs';
import * as path from 'path';
import type { RunningServer } from '../../src/main';
import { codes, gql } from '../e2e/http-client';
import { startTestServer, tempDir } from '../e2e/harness';
import { RICH_INTENDED_USE } from '../fixtures/rich-card';
import { makeRichCardModelDir } from '../fixtures/rich-card-model';
import { syntheticImage } from '../fixtures/synthetic-images';
import { tinyModelOnce } from '../fixtures/tiny-model-once';

/**
 * Issue 15: the model card and the open-set threshold in the API (Model.card, Model.openSet,
 * ModelVersion.card), over real HTTP. Two versions: the plain tiny model served first, then the
 * same architecture with other weights and a card with every part (test/fixtures/rich-card.ts).
 * Expected values are derived by hand from that card.
 */
jest.setTimeout(120_000);

const TOKEN = 'model-card-admin-token';
const ADMIN = { token: TOKEN };
const ALPHA = 0.05; // SIAMESE_OPEN_SET_FAR's default

let dataDir: string;
let server: RunningServer;
let plainVersion: string;
let rich: { version: string; t: number };

beforeAll(async () => {
  dataDir = tempDir('siamese-model-card-');
  const plain = await tinyModelOnce();
  plainVersion = plain.card.version;
  // The plain model serves first, so the database knows it as an earlier version.
  const first = await startTestServer({ dataDir, adminToken: TOKEN, modelDir: plain.modelDir });
  await first.close();
  const richDir = path.join(dataDir, 'rich-model');
  const card = await makeRichCardModelDir(richDir);
  rich = { version: card.version, t: card.thresholds.default };
  server = await startTestServer({ dataDir, adminToken: TOKEN, modelDir: richDir });
  // A gallery of 4 images (2 people × 2).
  for (const identity of [1, 2]) {
    const id = (await gql(server.url, 'mutation($n: String!) { createIdentity(name: $n) { id } }', { n: `p${identity}` }, ADMIN)).data
      .createIdentity.id;
    const images = await Promise.all([0, 1].map(async (s) => ({ base64: (await syntheticImage(identity, s)).toString('base64') })));
    const r = await gql(
      server.url,
      'mutation($id: ID!, $i: [ImageInput!]!) { enrollImages(identityId: $id, images: $i) { id } }',
      { id, i: images },
      ADMIN,
    );
    expect(r.errors).toBeUndefined();
  }
});

afterAll(async () => {
  await server?.close();
  fs.rmSync(dataDir, { recursive: true, force: true });
});

const CARD_FIELDS = `notes warnings
  intendedUse { summary intendedFor notFor photos trainedOn calibratedOn failureModes measured { what value ci95 command } }
  data { sources identities images trainIdentities validationIdentities duplicatesDropped facelessDropped }
  metrics { source name value sample command baseline interval { low high level method } }
  learningCurves { name keptEpoch points { epoch step loss valAuc valEer valOneShot elapsedSec best } }
  comparisonRocs { label auc eer points { threshold far tar } }
  trainCommand evaluateCommands`;

/**
 * The open-set rule by hand: per-comparison budget f = 1 − (1 − α)^(1/N) (Šidák), then the
 * threshold where the fixture's piecewise-linear ROC reaches FAR f. The fixture's ROC is
 * (0, 0), (t/2, 0.002), (t, 0.05), (2, 1), so f in (0, 0.002] lies on the first segment and
 * f in (0.002, 0.05) on the second.
 */
function byHand(n: number, t: number): { f: number; threshold: number } {
  const f = 1 - Math.pow(1 - ALPHA, 1 / n);
  if (f <= 0.002) return { f, threshold: (f / 0.002) * (t / 2) };
  return { f, threshold: t / 2 + ((f - 0.002) / (0.05 - 0.002)) * (t / 2) };
}

describe('issue 15: the model card and the open-set threshold in the API', () => {
  it('Model.card: intended use and limitations, data, metrics with intervals, learning curve (role search: anonymous)', async () => {
    const r = await gql(server.url, `{ model { version card { ${CARD_FIELDS} } } }`);
    expect(r.errors).toBeUndefined();
    expect(r.data.model.version).toBe(rich.version);
    const card = r.data.model.card;
    expect(card.intendedUse).toEqual(RICH_INTENDED_USE);
    expect(card.notes).toBe('A fixture card.');
    expect(card.warnings).toEqual(['Only 12 validation identities: the thresholds are rough.']);
    // The tiny model's data block (12 synthetic identities × 10 shots, all for validation).
    expect(card.data).toEqual({
      sources: ['test/fixtures/synthetic-images.ts'],
      identities: 12,
      images: 120,
      trainIdentities: 0,
      validationIdentities: 12,
      duplicatesDropped: null,
      facelessDropped: null,
    });
    const heldOutAuc = card.metrics.find((m: { source: string; name: string }) => m.source === 'heldOut' && m.name === 'auc');
    expect(heldOutAuc).toEqual({
      source: 'heldOut',
      name: 'auc',
      value: 0.98,
      sample: '10 identities, 50 images, 100 same / 400 different pairs',
      command: 'npx siamese eval --model rich --data heldout',
      baseline: false,
      interval: { low: 0.96, high: 0.99, level: 0.95, method: 'identity bootstrap, 200 rounds' },
    });
    expect(card.metrics.map((m: { source: string; name: string }) => `${m.source}/${m.name}`)).toEqual([
      'validation/auc',
      'validation/eer',
      'validation/accuracyAtDefault',
      'validation/oneShotAccuracy',
      'validation · pixelEuclidean baseline/auc',
      'validation · pixelEuclidean baseline/eer',
      'validation · pixelCosine baseline/auc',
      'validation · pixelCosine baseline/eer',
      'heldOut/auc',
      'heldOut/eer',
      'heldOut/oneShotAccuracy',
      'oneShotRuns/oneShotAccuracy',
    ]);
    expect(card.learningCurves).toEqual([
      {
        name: 'rich-card-test',
        keptEpoch: 2,
        points: [
          { epoch: 1, step: 10, loss: 0.3, valAuc: 0.9, valEer: 0.1, valOneShot: 0.7, elapsedSec: 6, best: true },
          { epoch: 2, step: 20, loss: 0.2, valAuc: 0.99, valEer: 0.02, valOneShot: 0.9, elapsedSec: 12, best: true },
          { epoch: 3, step: 30, loss: 0.15, valAuc: 0.97, valEer: 0.04, valOneShot: 0.85, elapsedSec: 18, best: false },
        ],
      },
    ]);
    expect(card.comparisonRocs.map((c: { label: string }) => c.label)).toEqual(['pixelEuclidean (validation)']);
    expect(card.trainCommand).toBe('npx siamese train --name rich');
  });

  it('Model.openSet: the threshold searchSimilar applies, for the current gallery or a given size (hand-derived)', async () => {
    const q = `query($n: Int) { model { thresholds { default } current: openSet { galleryImages alpha threshold perComparisonFar rule }
      sized: openSet(galleryImages: $n) { galleryImages threshold perComparisonFar rule } } }`;
    const r = await gql(server.url, q, { n: 100 });
    expect(r.errors).toBeUndefined();
    const { current, sized, thresholds } = r.data.model;
    expect(thresholds.default).toBeCloseTo(rich.t, 12);
    const four = byHand(4, rich.t);
    expect(current).toMatchObject({ galleryImages: 4, alpha: ALPHA, rule: 'open-set' });
    expect(current.perComparisonFar).toBeCloseTo(four.f, 12);
    expect(current.threshold).toBeCloseTo(four.threshold, 12);
    expect(current.threshold).toBeLessThan(rich.t);
    const hundred = byHand(100, rich.t);
    expect(sized).toMatchObject({ galleryImages: 100, rule: 'open-set' });
    expect(sized.threshold).toBeCloseTo(hundred.threshold, 12);

    // searchSimilar applies exactly this threshold to the same gallery.
    const probe = { base64: (await syntheticImage(1, 5)).toString('base64') };
    const s = await gql(server.url, 'query($i: ImageInput!) { searchSimilar(image: $i, k: 2) { threshold } }', { i: probe });
    expect(s.errors).toBeUndefined();
    expect(s.data.searchSimilar.length).toBeGreaterThan(0);
    for (const m of s.data.searchSimilar) expect(m.threshold).toBe(current.threshold);

    // One image: f = α = 0.05, FAR at t itself: never looser than the 1:1 default.
    const one = await gql(server.url, '{ model { openSet(galleryImages: 1) { threshold rule } } }');
    expect(one.data.model.openSet).toEqual({ threshold: rich.t, rule: 'default' });
  });

  it('Model.openSet refuses a gallery size that is not a positive integer', async () => {
    for (const n of [0, -3]) {
      const r = await gql(server.url, 'query($n: Int) { model { openSet(galleryImages: $n) { threshold } } }', { n });
      expect(codes(r)).toEqual(['BAD_USER_INPUT']);
      expect(r.errors![0].extensions?.argument).toBe('galleryImages');
    }
  });

  it('ModelVersion.card: each version with its own stored card (admin, like modelVersions)', async () => {
    const q = `{ modelVersions { version active activatedAt card { notes intendedUse { summary } learningCurves { name } metrics { source name } } } }`;
    const r = await gql(server.url, q, {}, ADMIN);
    expect(r.errors).toBeUndefined();
    const byVersion = new Map(r.data.modelVersions.map((v: { version: string }) => [v.version, v]));
    expect([...byVersion.keys()].sort()).toEqual([plainVersion, rich.version].sort());
    const richRow = byVersion.get(rich.version) as { active: boolean; card: Record<string, unknown> };
    expect(richRow.active).toBe(true);
    expect(richRow.card.intendedUse).toEqual({ summary: RICH_INTENDED_USE.summary });
    const plainRow = byVersion.get(plainVersion) as { active: boolean; activatedAt: string | null; card: Record<string, unknown> };
    expect(plainRow.active).toBe(false);
    // Served before: it has an activation time, which is what "roll back" looks for.
    expect(plainRow.activatedAt).not.toBeNull();
    expect(plainRow.card.intendedUse).toBeNull();
    expect(plainRow.card.notes).toMatch(/^calibrated on synthetic identities/);
    expect(plainRow.card.learningCurves).toEqual([]);
    expect(plainRow.card.metrics).toEqual([
      { source: 'validation', name: 'auc' },
      { source: 'validation', name: 'eer' },
    ]);
    const anonymous = await gql(server.url, '{ modelVersions { version card { notes } } }');
    expect(codes(anonymous)).toEqual(['UNAUTHENTICATED']);
  });
});

import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { modelCardProblems, type ModelCard } from '../../src/embedding/model-card';
import { loadModelDir, readModelCard } from '../../src/embedding/model-store';
import { initBackend } from '../../src/embedding/backend';
import { tinyModelOnce } from '../fixtures/tiny-model-once';

/**
 * Model cards are checked at load (readModelCard / loadModelDir, used by the server at start,
 * by activateModel and by a retraining promotion): a broken card refuses the model with
 * MODEL_INCOMPATIBLE instead of a server that fails or silently mismatches every verify.
 */
/** A well-formed thresholds.labelled entry (R = 2, K = 1); cases edit one field. */
const LABELLED = {
  references: 2,
  labelled: 1,
  offset: -0.1,
  auc: 0.99,
  eer: 0.03,
  far: 0.02,
  frr: 0.1,
  positivePairs: 60,
  negativePairs: 230,
};

describe('model card validation', () => {
  let card: ModelCard;
  let modelDir: string;
  let root: string;
  beforeAll(async () => {
    await initBackend('cpu');
    ({ card, modelDir } = await tinyModelOnce());
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'siamese-card-check-'));
  });
  afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

  const edited = (patch: (c: ModelCard) => unknown): ModelCard => patch(structuredClone(card)) as ModelCard;

  it('the shipped and test cards have no problems', () => {
    expect(modelCardProblems(card)).toEqual([]);
    for (const name of fs.readdirSync(path.join(__dirname, '../../models'))) {
      const file = path.join(__dirname, '../../models', name, 'model-card.json');
      if (fs.existsSync(file))
        expect({ name, problems: modelCardProblems(JSON.parse(fs.readFileSync(file, 'utf8'))) }).toEqual({ name, problems: [] });
    }
  });

  it.each([
    [
      'negative default threshold',
      (c: ModelCard) => ({ ...c, thresholds: { ...c.thresholds, default: -0.1 } }),
      /thresholds.default must be a finite distance ≥ 0/,
    ],
    [
      'null default threshold (NaN written by JSON)',
      (c: ModelCard) => ({ ...c, thresholds: { ...c.thresholds, default: null } }),
      /thresholds.default/,
    ],
    [
      'cosine default above 2 (matches every pair)',
      (c: ModelCard) => ({ ...c, metric: 'cosine', thresholds: { ...c.thresholds, default: 2.5 } }),
      /exceeds 2/,
    ],
    ['unknown metric', (c: ModelCard) => ({ ...c, metric: 'manhattan' }), /metric must be euclidean or cosine/],
    [
      'embeddingDim 0',
      (c: ModelCard) => ({ ...c, architecture: { ...c.architecture, embeddingDim: 0 } }),
      /embeddingDim must be a positive integer/,
    ],
    ['empty version', (c: ModelCard) => ({ ...c, version: '' }), /version must be a non-empty string/],
    ['targetFar 0', (c: ModelCard) => ({ ...c, thresholds: { ...c.thresholds, targetFar: 0 } }), /targetFar must be in \(0, 1\]/],
    ['unknown defaultRule', (c: ModelCard) => ({ ...c, thresholds: { ...c.thresholds, defaultRule: 'median' } }), /defaultRule/],
    [
      'reference thresholds not ascending (verifyIdentity picks by R)',
      (c: ModelCard) => ({
        ...c,
        thresholds: {
          ...c.thresholds,
          references: [
            { references: 5, threshold: 0.3 },
            { references: 3, threshold: 0.4 },
          ],
        },
      }),
      /thresholds.references must ascend/,
    ],
    [
      'reference count 1 (that is the 1:1 default)',
      (c: ModelCard) => ({ ...c, thresholds: { ...c.thresholds, references: [{ references: 1, threshold: 0.3 }] } }),
      /references\[0\].references must be an integer ≥ 2/,
    ],
    [
      'negative reference threshold',
      (c: ModelCard) => ({ ...c, thresholds: { ...c.thresholds, references: [{ references: 2, threshold: -1 }] } }),
      /references\[0\].threshold must be a finite distance ≥ 0/,
    ],
    ['references not an array', (c: ModelCard) => ({ ...c, thresholds: { ...c.thresholds, references: {} } }), /must be an array/],
    [
      'labelled offsets not ascending by (R, K)',
      (c: ModelCard) => ({
        ...c,
        thresholds: {
          ...c.thresholds,
          labelled: [
            { ...LABELLED, references: 5, labelled: 1 },
            { ...LABELLED, references: 2, labelled: 3 },
          ],
        },
      }),
      /thresholds.labelled must ascend by \(references, labelled\) \(entry 1\)/,
    ],
    [
      'labelled count 0 (that is CENTROID)',
      (c: ModelCard) => ({ ...c, thresholds: { ...c.thresholds, labelled: [{ ...LABELLED, labelled: 0 }] } }),
      /labelled\[0\].labelled must be an integer ≥ 1/,
    ],
    [
      'labelled offset beyond ±2 where distances are bounded',
      (c: ModelCard) => ({ ...c, metric: 'cosine', thresholds: { ...c.thresholds, labelled: [{ ...LABELLED, offset: -2.5 }] } }),
      /labelled\[0\].offset must be a finite distance within ±2/,
    ],
    [
      'labelled rate outside [0, 1]',
      (c: ModelCard) => ({ ...c, thresholds: { ...c.thresholds, labelled: [{ ...LABELLED, far: 1.5 }] } }),
      /labelled\[0\].far must be a rate/,
    ],
    [
      'labelled not an array',
      (c: ModelCard) => ({ ...c, thresholds: { ...c.thresholds, labelled: 3 } }),
      /thresholds.labelled must be an array/,
    ],
    [
      'referenceShift above 1 (rule SPREAD)',
      (c: ModelCard) => ({ ...c, thresholds: { ...c.thresholds, referenceShift: 1.5 } }),
      /thresholds.referenceShift must be in \(0, 1\]/,
    ],
    [
      'referenceShift 0 (that is CENTROID: leave it out)',
      (c: ModelCard) => ({ ...c, thresholds: { ...c.thresholds, referenceShift: 0 } }),
      /thresholds.referenceShift must be in \(0, 1\]/,
    ],
    ['ROC point with far 1.5', (c: ModelCard) => ({ ...c, roc: [{ threshold: 0.1, far: 1.5, tar: 1 }] }), /roc\[0\]/],
    ['roc not a list', (c: ModelCard) => ({ ...c, roc: null }), /roc must be an array/],
  ])('%s', (_, patch, why) => {
    const problems = modelCardProblems(edited(patch));
    expect(problems.length).toBeGreaterThan(0);
    expect(problems.join('; ')).toMatch(why);
  });

  it("accepts rule SPREAD's referenceShift in (0, 1]", () => {
    expect(modelCardProblems(edited((c) => ({ ...c, thresholds: { ...c.thresholds, referenceShift: 0.5 } })))).toEqual([]);
  });

  it('accepts negative labelled offsets (the midpoint may sit above the threshold)', () => {
    const labelled = [LABELLED, { ...LABELLED, labelled: 3, offset: 0.05 }, { ...LABELLED, references: 5 }];
    expect(modelCardProblems(edited((c) => ({ ...c, thresholds: { ...c.thresholds, labelled } })))).toEqual([]);
  });

  it('euclidean without L2 normalisation has no upper bound on the default threshold', () => {
    expect(
      modelCardProblems(
        edited((c) => ({
          ...c,
          metric: 'euclidean',
          architecture: { ...c.architecture, l2Normalize: false },
          thresholds: { ...c.thresholds, default: 7 },
        })),
      ),
    ).toEqual([]);
  });

  async function copyWith(name: string, patch: (c: ModelCard) => unknown): Promise<string> {
    const dir = path.join(root, name);
    fs.mkdirSync(dir);
    for (const f of fs.readdirSync(modelDir)) fs.copyFileSync(path.join(modelDir, f), path.join(dir, f));
    fs.writeFileSync(path.join(dir, 'model-card.json'), JSON.stringify(edited(patch)));
    return dir;
  }

  const rejection = (p: Promise<unknown>) =>
    p.then(
      () => ({ code: 'accepted', message: '' }),
      (e: { code?: string; message: string }) => ({ code: e.code, message: e.message }),
    );

  it('readModelCard refuses a broken card with MODEL_INCOMPATIBLE', async () => {
    const dir = await copyWith('negative', (c) => ({ ...c, thresholds: { ...c.thresholds, default: -1 } }));
    expect(await rejection(readModelCard(dir))).toEqual({
      code: 'MODEL_INCOMPATIBLE',
      message: expect.stringMatching(/thresholds.default/),
    });
  });

  it('loadModelDir refuses an input size or channel count the weights do not take', async () => {
    const size = await copyWith('size', (c) => ({ ...c, preprocessing: { ...c.preprocessing, width: 40 } }));
    expect(await rejection(loadModelDir(size))).toEqual({
      code: 'MODEL_INCOMPATIBLE',
      message: expect.stringMatching(/takes input \[null,32,32,1\]; the card's preprocessing gives \[null,32,40,1\]/),
    });
    const channels = await copyWith('channels', (c) => ({
      ...c,
      preprocessing: { ...c.preprocessing, channels: 3, mean: [0.5, 0.5, 0.5], std: [0.25, 0.25, 0.25] },
    }));
    expect(await rejection(loadModelDir(channels))).toEqual({
      code: 'MODEL_INCOMPATIBLE',
      message: expect.stringMatching(/\[null,32,32,3\]/),
    });
    const ok = await loadModelDir(modelDir);
    expect(ok.card.version).toBe(card.version);
    ok.model.dispose();
  });
});

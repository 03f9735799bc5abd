/**
 * `buildEnsemble`: two tiny members trained on the same split combine into one
 * model calibrated on their common validation identities; members from
 * different splits or data filters are refused.
 */
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../src/embedding/backend';
import { loadModelDir } from '../../src/embedding/model-store';
import { FolderImageSource } from '../../src/training/data/folder.source';
import { buildEnsemble } from '../../src/training/ensemble';
import { saveTrainedModel } from '../../src/training/save-trained-model';
import { train, type TrainOptions } from '../../src/training/trainer';
import { writeSyntheticDataset } from './fixtures/synthetic-images';

const base: TrainOptions = {
  name: 'm',
  architecture: { backbone: 'fast', embeddingDim: 4, normalization: 'none', l2Normalize: true, params: { widths: [8] } },
  preprocessing: { width: 16, height: 16, channels: 1, normalize: 'unit', fit: 'fill' },
  metric: 'euclidean',
  loss: 'triplet',
  margin: 0.2,
  mining: 'batch-all',
  epochs: 1,
  stepsPerEpoch: 4,
  batchSize: 8,
  k: 2,
  learningRate: 5e-3,
  augment: null,
  valFraction: 0.34,
  seed: 7,
  backend: 'wasm',
};

let root: string;
const dirs: Record<string, string> = {};
beforeAll(async () => {
  root = mkdtempSync(path.join(tmpdir(), 'ensemble-'));
  await writeSyntheticDataset(path.join(root, 'data'), 6, 5, 24);
  await initBackend('wasm');
  const source = new FolderImageSource([path.join(root, 'data')]);
  const variants: Record<string, Partial<TrainOptions>> = {
    a: {},
    b: { loss: 'prototypical', architecture: { ...base.architecture, embeddingDim: 6 } },
    otherSplit: { seed: 8 },
    otherSeedSameSplit: { seed: 8, splitSeed: 7 },
  };
  for (const [name, v] of Object.entries(variants)) {
    const r = await train({ ...base, ...v, name }, source);
    dirs[name] = path.join(root, name);
    await saveTrainedModel(dirs[name], r.model, r.card);
    r.model.dispose();
  }
}, 60_000);
afterAll(() => rmSync(root, { recursive: true, force: true }));

it('combines members into one calibrated model on the same validation identities', async () => {
  const before = tf.memory().numTensors;
  const { model, card } = await buildEnsemble({ memberDirs: [dirs.a, dirs.b], name: 'ens' }, (c) => new FolderImageSource(c.data.sources));
  const a = await loadModelDir(dirs.a);
  expect(card.architecture).toMatchObject({ backbone: 'ensemble', embeddingDim: 10, l2Normalize: true });
  expect(card.preprocessing).toEqual(a.card.preprocessing);
  // Same validation pairs as the members' trainer: 2 held-out identities × C(5,2) positives, 5×5 negatives.
  expect(card.validation.positivePairs).toBe(a.card.validation.positivePairs);
  expect(card.validation.negativePairs).toBe(a.card.validation.negativePairs);
  expect(Number.isFinite(card.thresholds.default)).toBe(true);
  expect((card.hyperparameters.ensembleOf as unknown[]).length).toBe(2);
  const x = tf.zeros([2, 16, 16, 1]);
  const out = model.predict(x) as tf.Tensor2D;
  expect(out.shape).toEqual([2, 10]);
  tf.dispose([x, out]);
  model.dispose();
  a.model.dispose();
  expect(tf.memory().numTensors).toBe(before);
});

it('accepts a member with another weight seed but the same --split-seed', async () => {
  const a = await loadModelDir(dirs.a);
  const c = await loadModelDir(dirs.otherSeedSameSplit);
  expect(c.card.seed).toBe(8);
  expect(c.card.hyperparameters.splitSeed).toBe(7);
  expect(a.card.hyperparameters.splitSeed).toBeUndefined();
  // Same held-out identities, so the same validation pairs, yet different weights.
  expect(c.card.validation.positivePairs).toBe(a.card.validation.positivePairs);
  expect(c.card.validation.auc).not.toBe(a.card.validation.auc);
  a.model.dispose();
  c.model.dispose();
  const { model, card } = await buildEnsemble(
    { memberDirs: [dirs.a, dirs.otherSeedSameSplit], name: 'ens2' },
    (x) => new FolderImageSource(x.data.sources),
  );
  expect(card.validation.positivePairs).toBe(a.card.validation.positivePairs);
  model.dispose();
});

it('extends a saved ensemble with a new member as if all were given (equal weights, same calibration)', async () => {
  const src = (c: { data: { sources: string[] } }) => new FolderImageSource(c.data.sources);
  const pair = await buildEnsemble({ memberDirs: [dirs.a, dirs.b], name: 'pair' }, src);
  const pairDir = path.join(root, 'pair');
  await saveTrainedModel(pairDir, pair.model, pair.card);
  pair.model.dispose();
  const before = tf.memory().numTensors;
  const extended = await buildEnsemble({ memberDirs: [pairDir, dirs.otherSeedSameSplit], name: 'extended' }, src);
  const flat = await buildEnsemble({ memberDirs: [dirs.a, dirs.b, dirs.otherSeedSameSplit], name: 'flat' }, src);
  // Three members of 4 + 6 + 4 dimensions, listed one by one, not the pair as one.
  expect(extended.card.architecture.embeddingDim).toBe(14);
  expect((extended.card.architecture.params!.members as Array<{ name: string }>).map((m) => m.name)).toEqual([
    'a',
    'b',
    'otherSeedSameSplit',
  ]);
  expect(extended.card.validation).toEqual(flat.card.validation);
  expect(extended.card.thresholds.default).toBeCloseTo(flat.card.thresholds.default, 6);
  const x = tf.randomUniform([3, 16, 16, 1], 0, 1, 'float32', 5);
  const [e, f] = [extended.model.predict(x) as tf.Tensor, flat.model.predict(x) as tf.Tensor];
  expect(tf.tidy(() => tf.max(tf.abs(tf.sub(e, f))).dataSync()[0])).toBeLessThan(1e-6);
  tf.dispose([x, e, f]);
  extended.model.dispose();
  flat.model.dispose();
  expect(tf.memory().numTensors).toBe(before);
});

it("records the whole recipe: every member's training command, then the ensemble command", async () => {
  const copies = ['a', 'b'].map((m) => {
    const dir = path.join(root, `cmd-${m}`);
    cpSync(dirs[m], dir, { recursive: true });
    const file = path.join(dir, 'model-card.json');
    const c = JSON.parse(readFileSync(file, 'utf8'));
    writeFileSync(file, JSON.stringify({ ...c, commands: { train: `npx siamese train --out ${m}`, evaluate: [] } }));
    return dir;
  });
  const { model, card } = await buildEnsemble(
    { memberDirs: copies, name: 'ens3', commands: { train: 'npx siamese ensemble --model a --model b', evaluate: [] } },
    (x) => new FolderImageSource(x.data.sources),
  );
  expect(card.commands.train).toBe('npx siamese train --out a && npx siamese train --out b && npx siamese ensemble --model a --model b');
  model.dispose();
});

it('refuses members trained on another split, and data that differs from the cards', async () => {
  await expect(
    buildEnsemble({ memberDirs: [dirs.a, dirs.otherSplit], name: 'x' }, (c) => new FolderImageSource(c.data.sources)),
  ).rejects.toThrow(/different data or validation splits/);
  await expect(
    buildEnsemble({ memberDirs: [dirs.a, dirs.b], name: 'x' }, (c) => new FolderImageSource(c.data.sources, { exclude: ['id0'] })),
  ).rejects.toThrow();
  await expect(buildEnsemble({ memberDirs: [dirs.a], name: 'x' }, (c) => new FolderImageSource(c.data.sources))).rejects.toThrow(
    /at least two/,
  );
});

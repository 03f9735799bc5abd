import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../src/embedding/backend';
import type { ArchitectureSpec, PreprocessSpec } from '../../src/embedding/model-card';
import { loadModelDir } from '../../src/embedding/model-store';
import { FolderImageSource } from '../../src/training/data/folder.source';
import { evaluateVerification } from '../../src/training/evaluate/verification.eval';
import { saveTrainedModel } from '../../src/training/save-trained-model';
import { train, type TrainOptions } from '../../src/training/trainer';
import type { TrainedModelCard } from '../../src/training/model-card.builder';
import { writeSyntheticDataset } from './fixtures/synthetic-images';
import { oneStepAtRateZero } from './fixtures/tiny-encoder';

/**
 * Issue 17: every trained card carries the pixel baseline of its validation pairs; a model that
 * does not beat it is flagged, and with `pixelFallback` the pixel feature is saved in its place.
 * The synthetic identities are stripe patterns with a little noise: raw pixels separate them
 * almost perfectly, while an encoder trained for one step at learning rate 0 is its random
 * initialisation, which cannot do better than that.
 */
const architecture: ArchitectureSpec = {
  backbone: 'fast',
  embeddingDim: 8,
  normalization: 'none',
  l2Normalize: true,
  params: { widths: [4] },
};
const preprocessing: PreprocessSpec = { width: 16, height: 16, channels: 1, normalize: 'unit', fit: 'fill', flipAverage: true };
const untrained: TrainOptions = oneStepAtRateZero({ name: 'untrained', architecture, preprocessing });

let root: string;
beforeAll(async () => {
  root = mkdtempSync(path.join(tmpdir(), 'pixel-fallback-'));
  await writeSyntheticDataset(path.join(root, 'data'), 8, 4, 24);
  await initBackend('wasm');
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

it('writes the validation baseline into the card and warns when the model does not beat it', async () => {
  const before = tf.memory().numTensors;
  const { model, card } = await train(untrained, new FolderImageSource([path.join(root, 'data')]));
  const baseline = (card.evaluations!.validation as { baseline: Record<string, { auc: number; eer: number; roc: unknown[] }> }).baseline;
  expect(Object.keys(baseline).sort()).toEqual(['pixelCosine', 'pixelEuclidean']);
  const best = Math.max(baseline.pixelEuclidean.auc, baseline.pixelCosine.auc);
  expect(best).toBeGreaterThan(card.validation.auc);
  expect(baseline.pixelCosine.roc.length).toBeGreaterThan(1);
  expect(card.warnings).toEqual(
    expect.arrayContaining([expect.stringMatching(/^the model does not beat raw pixels on validation: model AUC /)]),
  );
  expect(card.architecture.backbone).toBe('fast');
  model.dispose();
  expect(tf.memory().numTensors).toBe(before);
});

it('with pixelFallback saves the pixel feature: same numbers as the baseline, through save, load and eval', async () => {
  const before = tf.memory().numTensors;
  const decisions = [{ rule: 'loss', value: 'contrastive', why: 'test' }];
  const result = await train(
    { ...untrained, pixelFallback: true, recipe: { name: 'auto', decisions } },
    new FolderImageSource([path.join(root, 'data')]),
  );
  const card = result.card as TrainedModelCard;
  const baseline = (card.evaluations!.validation as { baseline: Record<string, { auc: number; eer: number }> }).baseline;
  const winner = baseline.pixelEuclidean.auc > baseline.pixelCosine.auc ? 'pixelEuclidean' : 'pixelCosine';
  expect(card.architecture).toEqual({ backbone: 'pixel', embeddingDim: 16 * 16, normalization: 'none', l2Normalize: false });
  expect(card.metric).toBe(winner === 'pixelCosine' ? 'cosine' : 'euclidean');
  // The served feature must be the baseline's, so no flip averaging.
  expect(card.preprocessing.flipAverage).toBeUndefined();
  expect(card.validation.auc).toBeCloseTo(baseline[winner].auc, 12);
  expect(card.version).toMatch(/^pixel-[0-9a-f]{12}$/);
  expect(card.recipe!.decisions[0]).toEqual(decisions[0]);
  expect(card.recipe!.decisions[1]).toMatchObject({ rule: 'pixel fallback', value: winner });
  expect(card.recipe!.decisions[1].why).toMatch(/does not beat .* the saved model is the pixel feature/);
  expect(card.warnings).toEqual(expect.arrayContaining([expect.stringMatching(/^training did not beat raw pixels on validation/)]));
  const trained = (card.evaluations!.validation as { trainedEncoder: { auc: number } }).trainedEncoder;
  expect(trained.auc).toBeLessThanOrEqual(baseline[winner].auc);

  const dir = path.join(root, 'pixel-model');
  await saveTrainedModel(dir, result.model, card);
  result.model.dispose();
  expect(tf.memory().numTensors).toBe(before);
  const svg = readFileSync(path.join(dir, 'roc.svg'), 'utf8');
  expect(svg).toContain('data-curve="pixels, Euclidean');
  expect(svg).toContain('data-curve="pixels, cosine');

  const loaded = await loadModelDir(dir);
  expect(loaded.card.version).toBe(card.version);
  const { report } = await evaluateVerification(loaded.model, loaded.card, new FolderImageSource([path.join(root, 'data')]), {
    bootstrap: 0,
  });
  loaded.model.dispose();
  // On all identities the saved model scores exactly like the baseline's winning distance.
  expect(report.auc).toBeCloseTo(report.baseline[winner].auc, 6);
});

/**
 * A card's fixed test-time views (`preprocessing.testTimeViews`) are part of the model for training's own validation
 * too: the best epoch and the card's thresholds come from the embeddings the service will compute. One step at learning
 * rate 0 leaves two runs with the same seed at the same weights, so the views are the only difference between them;
 * a pixel fallback drops the views (they would average pixels). Session 35's review found validation ignoring them.
 */
describe('test-time views in training', () => {
  const plain: PreprocessSpec = { width: 16, height: 16, channels: 1, normalize: 'unit', fit: 'fill' };
  const viewed: PreprocessSpec = { ...plain, testTimeViews: [{ rotationDeg: 10 }, { scale: 0.85 }] };

  it('validation embeds through the card’s views: same weights, different validation scores', async () => {
    const before = tf.memory().numTensors;
    const source = () => new FolderImageSource([path.join(root, 'data')]);
    const a = await train(oneStepAtRateZero({ name: 'plain', architecture, preprocessing: plain }), source());
    const b = await train(oneStepAtRateZero({ name: 'viewed', architecture, preprocessing: viewed }), source());
    expect(b.card.preprocessing.testTimeViews).toEqual(viewed.testTimeViews);
    // The same weights (learning rate 0, one seed)…
    const wa = a.model.getWeights().map((w) => Array.from(w.dataSync()));
    const wb = b.model.getWeights().map((w) => Array.from(w.dataSync()));
    expect(wb).toEqual(wa);
    // …scored differently on the same validation pairs, because only the second embeds through the views.
    expect(b.card.validation.positivePairs).toBe(a.card.validation.positivePairs);
    expect(Math.abs(b.card.thresholds.eer - a.card.thresholds.eer)).toBeGreaterThan(1e-6);
    a.model.dispose();
    b.model.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it('a pixel fallback drops the views from the card it saves', async () => {
    // An identity view leaves each embedding's direction as it is, so this is pixel-fallback.test.ts's encoder, which
    // raw pixels beat on these stripes: the fallback is taken.
    const identityView: PreprocessSpec = { ...plain, flipAverage: true, testTimeViews: [{ scale: 1 }] };
    const result = await train(
      { ...oneStepAtRateZero({ name: 'fallback', architecture, preprocessing: identityView }), pixelFallback: true },
      new FolderImageSource([path.join(root, 'data')]),
    );
    expect(result.card.architecture.backbone).toBe('pixel');
    expect(result.card.preprocessing.testTimeViews).toBeUndefined();
    result.model.dispose();
  });
});

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

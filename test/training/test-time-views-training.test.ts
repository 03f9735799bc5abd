import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../src/embedding/backend';
import type { ArchitectureSpec, PreprocessSpec } from '../../src/embedding/model-card';
import { FolderImageSource } from '../../src/training/data/folder.source';
import { train } from '../../src/training/trainer';
import { writeSyntheticDataset } from './fixtures/synthetic-images';
import { oneStepAtRateZero } from './fixtures/tiny-encoder';

/**
 * A card's fixed test-time views (`preprocessing.testTimeViews`) are part of the model for training's own validation
 * too: the best epoch and the card's thresholds come from the embeddings the service will compute. One step at learning
 * rate 0 leaves two runs with the same seed at the same weights, so the views are the only difference between them;
 * a pixel fallback drops the views (they would average pixels). Session 35's review found validation ignoring them.
 */
const architecture: ArchitectureSpec = {
  backbone: 'fast',
  embeddingDim: 8,
  normalization: 'none',
  l2Normalize: true,
  params: { widths: [4] },
};
const plain: PreprocessSpec = { width: 16, height: 16, channels: 1, normalize: 'unit', fit: 'fill' };
const viewed: PreprocessSpec = { ...plain, testTimeViews: [{ rotationDeg: 10 }, { scale: 0.85 }] };

let root: string;
beforeAll(async () => {
  root = mkdtempSync(path.join(tmpdir(), 'views-training-'));
  await writeSyntheticDataset(path.join(root, 'data'), 8, 4, 24);
  await initBackend('wasm');
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

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

/**
 * The prototypical-loss path of the trainer, with rotated (and mirrored) copies as extra
 * classes: runs end to end on a synthetic dataset, learns, records its
 * hyperparameters in the card and leaks no tensors.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../src/embedding/backend';
import { FolderImageSource } from '../../src/training/data/folder.source';
import { train, type TrainOptions } from '../../src/training/trainer';
import { writeSyntheticDataset } from './fixtures/synthetic-images';

const options: TrainOptions = {
  name: 'tiny-proto',
  architecture: { backbone: 'fast', embeddingDim: 8, normalization: 'none', l2Normalize: true, params: { widths: [8, 16] } },
  preprocessing: { width: 16, height: 16, channels: 1, normalize: 'unit', fit: 'fill' },
  metric: 'euclidean',
  loss: 'prototypical',
  margin: 0,
  mining: 'batch-all',
  scale: 10,
  rotateClasses: true,
  epochs: 3,
  stepsPerEpoch: 10,
  batchSize: 16,
  k: 2,
  learningRate: 5e-3,
  augment: null,
  valFraction: 0.34,
  seed: 7,
  backend: 'wasm',
};

let root: string;
beforeAll(async () => {
  root = mkdtempSync(path.join(tmpdir(), 'trainer-proto-'));
  await writeSyntheticDataset(path.join(root, 'data'), 6, 5, 24);
  await initBackend('wasm');
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

it('prototypical + rotated classes: loss goes down, card records both, no tensors leak', async () => {
  const before = tf.memory().numTensors;
  const losses: number[] = [];
  const logs: string[] = [];
  const result = await train(options, new FolderImageSource([path.join(root, 'data')]), {
    onStep: (s) => losses.push(s.loss),
    onLog: (m) => logs.push(m),
  });
  const mean = (xs: number[]) => xs.reduce((s, v) => s + v, 0) / xs.length;
  expect(losses).toHaveLength(30);
  expect(losses.every(Number.isFinite)).toBe(true);
  expect(mean(losses.slice(-10))).toBeLessThan(mean(losses.slice(0, 10)));
  // 4 training identities × 4 orientations (16×16 inputs are square).
  expect(logs).toContain('rotated classes: 4 → 16 training identities');
  expect(result.card.hyperparameters).toMatchObject({ loss: 'prototypical', scale: 10, rotateClasses: true, k: 2 });
  // Validation is untouched by the rotation: 2 held-out identities, 5 images each.
  expect(result.card.data).toMatchObject({ trainIdentities: 4, validationIdentities: 2 });
  expect(result.card.validation.positivePairs).toBe(20);
  result.model.dispose();
  expect(tf.memory().numTensors).toBe(before);
});

it('mirrored classes double the rotated ones, in the log and the card; validation untouched', async () => {
  const before = tf.memory().numTensors;
  const logs: string[] = [];
  const result = await train(
    { ...options, mirrorClasses: true, epochs: 1, stepsPerEpoch: 2 },
    new FolderImageSource([path.join(root, 'data')]),
    {
      onLog: (m) => logs.push(m),
    },
  );
  // 4 training identities × 4 rotations × 2 reflections.
  expect(logs).toContain('rotated classes: 4 → 16 training identities');
  expect(logs).toContain('mirrored classes: 16 → 32 training identities');
  expect(result.card.hyperparameters).toMatchObject({ rotateClasses: true, mirrorClasses: true });
  expect(result.card.data).toMatchObject({ trainIdentities: 4, validationIdentities: 2 });
  result.model.dispose();
  expect(tf.memory().numTensors).toBe(before);
});

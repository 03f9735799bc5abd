import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { initBackend } from '../../../src/embedding/backend';
import { FolderImageSource } from '../../../src/training/data/folder.source';
import { train, type TrainOptions } from '../../../src/training/trainer';
import { writeSyntheticDataset } from '../fixtures/synthetic-images';

/**
 * Issue 17: early stopping on validation. At learning rate 0 the weights never change, so every
 * epoch scores exactly as epoch 1 and none is better: with patience P the run stops after epoch
 * 1 + P, and epoch 1 is kept.
 */
const options: TrainOptions = {
  name: 'patience',
  architecture: { backbone: 'fast', embeddingDim: 4, normalization: 'none', l2Normalize: true, params: { widths: [4] } },
  preprocessing: { width: 12, height: 12, channels: 1, normalize: 'unit', fit: 'fill' },
  metric: 'euclidean',
  loss: 'contrastive',
  margin: 1,
  mining: 'batch-hard',
  epochs: 6,
  stepsPerEpoch: 1,
  batchSize: 4,
  learningRate: 0,
  augment: null,
  valFraction: 0.5,
  seed: 2,
  backend: 'wasm',
};

let root: string;
beforeAll(async () => {
  root = mkdtempSync(path.join(tmpdir(), 'patience-'));
  await writeSyntheticDataset(path.join(root, 'data'), 6, 3, 12);
  await initBackend('wasm');
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

it.each([
  [2, 3],
  [4, 5],
])('patience %i stops after epoch %i and keeps epoch 1', async (patience, lastEpoch) => {
  const logs: string[] = [];
  const { model, card, history } = await train({ ...options, patience }, new FolderImageSource([path.join(root, 'data')]), {
    onLog: (m) => logs.push(m),
  });
  model.dispose();
  expect(history.map((h) => h.epoch)).toEqual(Array.from({ length: lastEpoch }, (_, i) => i + 1));
  expect(card.training.bestEpoch).toBe(1);
  expect(card.hyperparameters.patience).toBe(patience);
  expect(logs).toContain(`early stop: no better validation score for ${patience} epochs (best epoch 1)`);
});

it('runs every epoch without patience', async () => {
  const { model, history } = await train(options, new FolderImageSource([path.join(root, 'data')]));
  model.dispose();
  expect(history).toHaveLength(6);
});

it('with patienceFrom half-anneal, counts the patience only from half way through a cosine schedule', async () => {
  // 10 epochs of 1 step: the schedule is half done after step 5, i.e. at epoch 5's validation. Best stays
  // epoch 1 (learning rate 0), so patience 2 counts from epoch 5 and stops after epoch 7 instead of epoch 3.
  const logs: string[] = [];
  const { model, card, history } = await train(
    { ...options, epochs: 10, lrSchedule: 'cosine', patience: 2, patienceFrom: 'half-anneal' },
    new FolderImageSource([path.join(root, 'data')]),
    { onLog: (m) => logs.push(m) },
  );
  model.dispose();
  expect(history.map((h) => h.epoch)).toEqual([1, 2, 3, 4, 5, 6, 7]);
  expect(card.training.bestEpoch).toBe(1);
  expect(card.hyperparameters.patienceFrom).toBe('half-anneal');
  expect(logs).toContain(
    'early stop: no better validation score for 2 epochs (best epoch 1; counted from epoch 5, where the schedule was half done)',
  );
});

it('ignores patienceFrom half-anneal without a cosine schedule', async () => {
  const { model, history } = await train(
    { ...options, epochs: 10, patience: 2, patienceFrom: 'half-anneal' },
    new FolderImageSource([path.join(root, 'data')]),
  );
  model.dispose();
  expect(history.map((h) => h.epoch)).toEqual([1, 2, 3]);
});

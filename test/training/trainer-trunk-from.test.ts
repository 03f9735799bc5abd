import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../src/embedding/backend';
import type { ArchitectureSpec, PreprocessSpec } from '../../src/embedding/model-card';
import { loadModelDir } from '../../src/embedding/model-store';
import { ErrorCode } from '../../src/errors';
import { FolderImageSource } from '../../src/training/data/folder.source';
import { saveTrainedModel } from '../../src/training/save-trained-model';
import { train, type TrainOptions } from '../../src/training/trainer';
import type { TrainedModelCard } from '../../src/training/model-card.builder';
import { writeSyntheticDataset } from './fixtures/synthetic-images';
import { oneStepAtRateZero } from './fixtures/tiny-encoder';

/**
 * `trunkFrom` (siamese train --trunk-from): a fresh encoder at this run's input size whose trunk is
 * a trained model's. At learning rate 0 training changes no weight, so the saved trunk must be the
 * source's exactly and the head the fresh encoder's; the card says where the trunk came from.
 */
const architecture = (embeddingDim: number, widths = [4, 8]): ArchitectureSpec => ({
  backbone: 'fast',
  embeddingDim,
  normalization: 'none',
  l2Normalize: true,
  params: { widths },
});
const square: PreprocessSpec = { width: 16, height: 16, channels: 1, normalize: 'unit', fit: 'fill' };
const oblong: PreprocessSpec = { width: 24, height: 12, channels: 1, normalize: 'unit', fit: 'contain' };

const options = (over: Partial<TrainOptions>): TrainOptions =>
  oneStepAtRateZero({ name: 'trunk', architecture: architecture(8), preprocessing: square, ...over });

let root: string;
let sourceDir: string;
beforeAll(async () => {
  root = mkdtempSync(path.join(tmpdir(), 'trunk-from-'));
  await writeSyntheticDataset(path.join(root, 'data'), 6, 4, 24);
  await initBackend('wasm');
  sourceDir = path.join(root, 'source');
  const source = await train(options({ name: 'source', learningRate: 1e-2 }), new FolderImageSource([path.join(root, 'data')]));
  await saveTrainedModel(sourceDir, source.model, source.card);
  source.model.dispose();
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

const data = () => new FolderImageSource([path.join(root, 'data')]);

it('trains at a new input size and head width from the source trunk, and records it in the card', async () => {
  const source = await loadModelDir(sourceDir);
  const fresh = await train(options({ architecture: architecture(12), preprocessing: oblong, seed: 9 }), data());
  const before = tf.memory().numTensors;
  const { model, card } = await train(
    options({ architecture: architecture(12), preprocessing: oblong, seed: 9, trunkFrom: { model: sourceDir } }),
    data(),
  );
  // Nothing the run allocated outlives it but the returned model's weights.
  expect(tf.memory().numTensors - before).toBe(model.weights.length);
  expect(model.inputs[0].shape).toEqual([null, 12, 24, 1]);
  const weights = (m: tf.LayersModel) => m.getWeights().map((w) => Array.from(w.dataSync()));
  expect(weights(model).slice(0, 4)).toEqual(weights(source.model).slice(0, 4));
  // Same seed, so the same fresh head as the run without a trunk.
  expect(weights(model).slice(4)).toEqual(weights(fresh.model).slice(4));
  expect(weights(model).slice(0, 4)).not.toEqual(weights(fresh.model).slice(0, 4));
  expect((card as TrainedModelCard).hyperparameters.trunkFrom).toEqual({
    model: sourceDir,
    name: 'source',
    version: source.card.version,
    layers: 2,
    parameters: 40 + 296,
  });
  expect(card.preprocessing).toEqual(oblong);
  for (const m of [model, fresh.model, source.model]) m.dispose();
});

it('refuses a trunk that does not fit with MODEL_INCOMPATIBLE, and --from with --trunk-from with BAD_USER_INPUT, leaking nothing', async () => {
  const before = tf.memory().numTensors;
  await expect(
    train(options({ architecture: architecture(8, [4, 6]), preprocessing: oblong, trunkFrom: { model: sourceDir } }), data()),
  ).rejects.toMatchObject({
    code: ErrorCode.MODEL_INCOMPATIBLE,
    message: expect.stringMatching(/the trunks differ: params \[\["widths",\[4,8\]\]\] against \[\["widths",\[4,6\]\]\]/),
  });
  await expect(train(options({ from: sourceDir, trunkFrom: { model: sourceDir } }), data())).rejects.toMatchObject({
    code: ErrorCode.BAD_USER_INPUT,
  });
  // Same weight shapes, other computation: the card's architecture decides.
  await expect(
    train(options({ architecture: { ...architecture(8), normalization: 'instance' }, trunkFrom: { model: sourceDir } }), data()),
  ).rejects.toMatchObject({ code: ErrorCode.MODEL_INCOMPATIBLE, message: expect.stringMatching(/normalization none against instance/) });
  await expect(train(options({ trunkFrom: { model: path.join(root, 'no-such-model') } }), data())).rejects.toMatchObject({
    code: ErrorCode.MODEL_INCOMPATIBLE,
    message: expect.stringMatching(/^--trunk-from .*no-such-model: /),
  });
  await expect(train(options({ trunkFrom: { model: sourceDir, member: 0 } }), data())).rejects.toMatchObject({
    code: ErrorCode.MODEL_INCOMPATIBLE,
    message: expect.stringMatching(/not an ensemble/),
  });
  expect(tf.memory().numTensors).toBe(before);
});

it('--freeze-trunk-epochs trains the head alone for its epochs, then every layer after an Adam restart, and the card says so', async () => {
  const source = await loadModelDir(sourceDir);
  const fresh = await train(options({ seed: 9 }), data());
  const before = tf.memory().numTensors;
  const run = (freezeEpochs: number, logs: string[] = []) =>
    train(options({ seed: 9, epochs: 2, learningRate: 1e-2, selectBy: 'last', trunkFrom: { model: sourceDir, freezeEpochs } }), data(), {
      onLog: (m) => logs.push(m),
    });
  const weights = (m: tf.LayersModel) => m.getWeights().map((w) => Array.from(w.dataSync()));
  // Frozen for both epochs: the trunk is the source's bit for bit, the head learnt.
  const frozen = await run(2);
  expect(weights(frozen.model).slice(0, 4)).toEqual(weights(source.model).slice(0, 4));
  expect(weights(frozen.model).slice(4)).not.toEqual(weights(fresh.model).slice(4));
  expect((frozen.card as TrainedModelCard).hyperparameters.trunkFrom).toMatchObject({ model: sourceDir, freezeEpochs: 2 });
  // Frozen for one: the trunk moves in the second epoch, and the log says when it joined.
  const logs: string[] = [];
  const thawed = await run(1, logs);
  expect(weights(thawed.model).slice(0, 4)).not.toEqual(weights(source.model).slice(0, 4));
  expect(logs.filter((l) => /the trunk joins training/.test(l))).toEqual([
    'epoch 2: the trunk joins training (after 1 epoch of the head alone; Adam restarts)',
  ]);
  expect(tf.memory().numTensors - before).toBe(frozen.model.weights.length + thawed.model.weights.length);
  for (const m of [frozen.model, thawed.model, fresh.model, source.model]) m.dispose();
});

it('--trunk-extend trains a deeper encoder whose first blocks are the source trunk, and the card counts the fresh ones', async () => {
  const source = await loadModelDir(sourceDir);
  const deeper = architecture(12, [4, 8, 8]);
  const fresh = await train(options({ architecture: deeper, preprocessing: oblong, seed: 9 }), data());
  const before = tf.memory().numTensors;
  const { model, card } = await train(
    options({ architecture: deeper, preprocessing: oblong, seed: 9, trunkFrom: { model: sourceDir, extend: true } }),
    data(),
  );
  expect(tf.memory().numTensors - before).toBe(model.weights.length);
  const weights = (m: tf.LayersModel) => m.getWeights().map((w) => Array.from(w.dataSync()));
  // At learning rate 0: the two copied convs are the source's; the third conv and the head are the fresh run's (same seed).
  expect(weights(model).slice(0, 4)).toEqual(weights(source.model).slice(0, 4));
  expect(weights(model).slice(4)).toEqual(weights(fresh.model).slice(4));
  expect((card as TrainedModelCard).hyperparameters.trunkFrom).toEqual({
    model: sourceDir,
    name: 'source',
    version: source.card.version,
    freshTrunkLayers: 1,
    layers: 2,
    parameters: 40 + 296,
  });
  // Not an extension of the source's widths: refused as before, and without --trunk-extend a deeper encoder is refused too.
  await expect(
    train(options({ architecture: architecture(8, [4, 6, 8]), trunkFrom: { model: sourceDir, extend: true } }), data()),
  ).rejects.toMatchObject({
    code: ErrorCode.MODEL_INCOMPATIBLE,
    message: expect.stringMatching(/widths 4-8 are not the first blocks of 4-6-8/),
  });
  await expect(train(options({ architecture: deeper, trunkFrom: { model: sourceDir } }), data())).rejects.toMatchObject({
    code: ErrorCode.MODEL_INCOMPATIBLE,
  });
  for (const m of [model, fresh.model, source.model]) m.dispose();
});

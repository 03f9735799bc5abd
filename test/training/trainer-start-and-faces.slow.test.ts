import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../src/embedding/backend';
import { buildEncoder } from '../../src/embedding/backbones';
import { FACE_RESNET_INPUT, FACE_RESNET_MEAN } from '../../src/embedding/backbones/face-resnet.backbone';
import { DEFAULT_FACE_STAGE, scaledTemplate } from '../../src/embedding/faces/face-stage-defaults';
import type { ArchitectureSpec, PreprocessSpec } from '../../src/embedding/model-card';
import { preprocessImage } from '../../src/embedding/preprocess/preprocess-image';
import { FolderImageSource } from '../../src/training/data/folder.source';
import { MemoryImageSource } from '../../src/training/data/labelled-image-source';
import { train, type EpochInfo, type TrainOptions, type TrainResult } from '../../src/training/trainer';
import { LFW_DIR, lfwPhoto } from '../fixtures/face-model';
import { writeSyntheticDataset } from './fixtures/synthetic-images';

/**
 * Issue 12 in the trainer: epoch 0 (validating the starting weights), a model with nothing to
 * train (only validated and calibrated), and the face stage dropping photos without a face.
 */
jest.setTimeout(120_000);

const fastArch: ArchitectureSpec = {
  backbone: 'fast',
  embeddingDim: 8,
  normalization: 'none',
  l2Normalize: true,
  params: { widths: [8, 16] },
};
const gray16: PreprocessSpec = { width: 16, height: 16, channels: 1, normalize: 'unit', fit: 'fill' };
const base: TrainOptions = {
  name: 'start',
  architecture: fastArch,
  preprocessing: gray16,
  metric: 'euclidean',
  loss: 'contrastive',
  margin: 1,
  mining: 'batch-hard',
  epochs: 2,
  stepsPerEpoch: 4,
  batchSize: 8,
  learningRate: 5e-3,
  augment: null,
  valFraction: 0.34,
  seed: 7,
  backend: 'wasm',
};
/** face-resnet29's own input, without a face stage: LFW's 250×250 photos are already roughly centred faces. */
const faceResnetWhole: PreprocessSpec = {
  ...FACE_RESNET_INPUT,
  normalize: 'standard',
  mean: [...FACE_RESNET_MEAN],
  std: [1, 1, 1],
  fit: 'fill',
};
/** Measured to have detectable faces in photos 1–4 (test/fixtures/face-model.ts). */
const PEOPLE = ['Aaron_Peirsol', 'Serena_Williams', 'Colin_Powell', 'Tony_Blair'];

let root: string;
beforeAll(async () => {
  root = mkdtempSync(path.join(tmpdir(), 'trainer-start-'));
  await writeSyntheticDataset(path.join(root, 'data'), 6, 5, 24);
  await initBackend('wasm');
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** 4 LFW people × 3 photos, keyed `<person>/<n>`. */
function lfwImages(shots = 3): Array<{ key: string; identity: string; bytes: Uint8Array }> {
  return PEOPLE.flatMap((person) =>
    Array.from({ length: shots }, (_, i) => ({
      key: `${person}/${i + 1}`,
      identity: person,
      bytes: new Uint8Array(lfwPhoto(person, i + 1)),
    })),
  );
}

/** The first Omniglot character image (black strokes on white: no face to find). */
function omniglotCharacter(): Uint8Array {
  const alphabet = path.resolve(LFW_DIR, '../omniglot/images_background_small1/Greek');
  const character = readdirSync(alphabet).sort()[0];
  const file = readdirSync(path.join(alphabet, character)).sort()[0];
  return new Uint8Array(readFileSync(path.join(alphabet, character, file)));
}

/** A copy of every weight's bytes, by the weight's name in its model (creates no tensors). */
function weightsByName(model: tf.LayersModel): Map<string, Buffer> {
  return new Map(
    model.weights.map((w) => {
      const data = w.read().dataSync() as Float32Array;
      return [w.originalName, Buffer.from(new Uint8Array(data.buffer, data.byteOffset, data.byteLength))] as const;
    }),
  );
}

/** The weights of a freshly built encoder (the trainer's starting point for the same spec and seed). */
function startingWeights(
  arch: ArchitectureSpec,
  input: { width: number; height: number; channels: number },
  seed?: number,
): Map<string, Buffer> {
  const model = buildEncoder(arch, input, seed);
  try {
    return weightsByName(model);
  } finally {
    model.dispose();
  }
}

/** Byte-equal weights under the same names (Buffer.equals: deep equality on 22 MB is minutes). */
function expectSameWeights(actual: Map<string, Buffer>, expected: Map<string, Buffer>): void {
  expect([...actual.keys()]).toEqual([...expected.keys()]);
  const differing = [...actual].filter(([name, bytes]) => !bytes.equals(expected.get(name)!)).map(([name]) => name);
  expect(differing).toEqual([]);
}

/** The epoch the card kept, as the history recorded it. */
function keptEpoch(result: TrainResult): EpochInfo {
  const row = result.history.find((h) => h.epoch === result.card.training.bestEpoch);
  expect(row).toBeDefined();
  return row!;
}

/**
 * The card's per-epoch numbers are those of the kept epoch (not of its neighbour): `best` marks
 * each improvement, so the kept epoch is the last one marked.
 */
function expectCardDescribesKeptEpoch(result: TrainResult): void {
  const marked = result.history.filter((h) => h.best);
  expect(result.card.training.bestEpoch).toBe(marked[marked.length - 1].epoch);
  expect(result.card.evaluations?.validation).toMatchObject({ oneShotAccuracy: keptEpoch(result).valOneShot });
  expect(result.card.training.epochs).toBe(result.history.length);
}

describe('epoch 0: validating the starting weights (options.validateStart)', () => {
  it('validateStart: true adds an epoch 0 without steps before epochs 1..N', async () => {
    const source = new FolderImageSource([path.join(root, 'data')]);
    const before = tf.memory().numTensors;
    const epochs: number[] = [];
    const stepEpochs = new Set<number>();
    // Fixed calibration scores make the card report the kept epoch's AUC/EER (heldOutValidation).
    const calibrationScores = {
      scores: [
        { distance: 0.1, same: true },
        { distance: 0.9, same: false },
      ],
      description: 'two fixed scores',
    };
    const result = await train({ ...base, validateStart: true, calibrationScores }, source, {
      onEpoch: (e) => epochs.push(e.epoch),
      onStep: (s) => stepEpochs.add(s.epoch),
    });
    expect(result.history.map((h) => h.epoch)).toEqual([0, 1, 2]); // epochs + 1 validations
    expect(epochs).toEqual([0, 1, 2]);
    expect([...stepEpochs].sort()).toEqual([1, 2]); // epoch 0 takes no step
    const [start, e1, e2] = result.history;
    expect(start.step).toBe(0);
    expect(start.loss).toBeNaN(); // nothing trained: no loss to report
    expect(start.best).toBe(true); // the first validation is the best so far by definition
    expect(Number.isFinite(start.valAuc)).toBe(true);
    expect([e1.step, e2.step]).toEqual([4, 8]);
    expect(result.card.training.steps).toBe(8);
    expect(result.card.hyperparameters.epochs).toBe(2);
    expect((result.card.hyperparameters.history as Array<{ epoch: number }>).map((h) => h.epoch)).toEqual([0, 1, 2]);
    expectCardDescribesKeptEpoch(result);
    const kept = keptEpoch(result);
    expect(result.card.evaluations?.heldOutValidation).toEqual({ auc: kept.valAuc, eer: kept.valEer, oneShotAccuracy: kept.valOneShot });
    result.model.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it('validateStart: false (and the default for a backbone other than face-resnet29) starts at epoch 1', async () => {
    const source = new FolderImageSource([path.join(root, 'data')]);
    for (const validateStart of [false, undefined]) {
      const result = await train({ ...base, validateStart }, source);
      expect(result.history.map((h) => h.epoch)).toEqual([1, 2]);
      expect(result.card.training.bestEpoch).toBeGreaterThanOrEqual(1);
      expectCardDescribesKeptEpoch(result);
      result.model.dispose();
    }
  });

  it('when training does not improve on the start, epoch 0 is kept: the returned weights are the starting ones', async () => {
    // Learning rate 0: Adam's update is exactly zero, so every epoch validates the starting
    // weights again, scores exactly the same, and an equal score never replaces the best.
    const source = new FolderImageSource([path.join(root, 'data')]);
    const before = tf.memory().numTensors;
    const result = await train({ ...base, learningRate: 0, validateStart: true }, source);
    expect(result.history.map((h) => [h.epoch, h.best])).toEqual([
      [0, true],
      [1, false],
      [2, false],
    ]);
    expect(result.history[1].valAuc).toBe(result.history[0].valAuc);
    expect(result.card.training).toMatchObject({ bestEpoch: 0, steps: 8, epochs: 3 });
    expectCardDescribesKeptEpoch(result);
    // In weight order: the fast backbone's layers are auto-named, so names differ between two builds.
    expect([...weightsByName(result.model).values()]).toEqual([...startingWeights(fastArch, gray16, base.seed).values()]);
    result.model.dispose();
    expect(tf.memory().numTensors).toBe(before);

    // Without epoch 0 the same run keeps epoch 1 (the first one validated).
    const without = await train({ ...base, learningRate: 0, validateStart: false }, source);
    expect(without.card.training.bestEpoch).toBe(1);
    without.model.dispose();
  });
});

describe('face-resnet29', () => {
  it('with no trainable weights (head: none, trainable defaults to head) it is only validated and calibrated', async () => {
    const arch: ArchitectureSpec = {
      backbone: 'face-resnet29',
      embeddingDim: 128,
      normalization: 'none',
      l2Normalize: true,
      params: { head: 'none' },
    };
    const source = new MemoryImageSource(lfwImages(), [], ['lfw (4 people)']);
    const before = tf.memory().numTensors;
    const logs: string[] = [];
    const steps: number[] = [];
    const result = await train(
      { ...base, name: 'frozen', architecture: arch, preprocessing: faceResnetWhole, epochs: 5, stepsPerEpoch: 3, valFraction: 0.5 },
      source,
      { onLog: (m) => logs.push(m), onStep: (s) => steps.push(s.step) },
    );
    expect(steps).toEqual([]);
    expect(logs).toContain('no trainable weights: validating and calibrating the encoder as it is');
    // One validation pass, as epoch 0, whatever `epochs` says.
    expect(result.history).toHaveLength(1);
    expect(result.history[0]).toMatchObject({ epoch: 0, step: 0, best: true });
    expect(result.card.training).toMatchObject({ bestEpoch: 0, steps: 0, epochs: 1 });
    expectCardDescribesKeptEpoch(result);
    // Calibrated on the 2 validation people: 2 × C(3,2) = 6 positive pairs, 3 × 3 = 9 negative ones.
    expect(result.card.data).toMatchObject({ identities: 4, images: 12, trainIdentities: 2, validationIdentities: 2 });
    expect(result.card.validation).toMatchObject({ positivePairs: 6, negativePairs: 9 });
    expect(Number.isFinite(result.card.thresholds.default)).toBe(true);
    // The weights are the pretrained ones, untouched.
    expect(result.model.trainableWeights).toHaveLength(0);
    expectSameWeights(weightsByName(result.model), startingWeights(arch, FACE_RESNET_INPUT));
    result.model.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it('validates the start by default (epoch 0) and trains only its head', async () => {
    const arch: ArchitectureSpec = { backbone: 'face-resnet29', embeddingDim: 128, normalization: 'none', l2Normalize: true, params: {} };
    const source = new MemoryImageSource(lfwImages(), [], ['lfw (4 people)']);
    const before = tf.memory().numTensors;
    const result = await train(
      {
        ...base,
        name: 'head',
        architecture: arch,
        preprocessing: faceResnetWhole,
        epochs: 1,
        stepsPerEpoch: 1,
        batchSize: 4,
        learningRate: 1e-2,
        valFraction: 0.5,
        selectBy: 'last',
      },
      source,
    );
    expect(result.history.map((h) => h.epoch)).toEqual([0, 1]);
    expect(result.card.training.steps).toBe(1);
    expectCardDescribesKeptEpoch(result);
    const start = startingWeights(arch, FACE_RESNET_INPUT);
    const now = weightsByName(result.model);
    const headNames = [...now.keys()].filter((n) => n.startsWith('siamese_head/'));
    expect(headNames.sort()).toEqual(['siamese_head/bias', 'siamese_head/kernel']);
    // selectBy 'last' keeps epoch 1 (after the step): the head moved, and nothing else did.
    expect(result.card.training.bestEpoch).toBe(1);
    const changed = [...now].filter(([name, bytes]) => !bytes.equals(start.get(name)!)).map(([name]) => name);
    expect(changed.sort()).toEqual(headNames);
    result.model.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });
});

describe('face stage in training', () => {
  it('drops images without a detectable face and counts them in card.data.facelessDropped', async () => {
    const preprocessing: PreprocessSpec = {
      width: 32,
      height: 32,
      channels: 3,
      normalize: 'unit',
      fit: 'fill',
      face: { ...DEFAULT_FACE_STAGE, template: scaledTemplate(32, 32) },
    };
    const images = [...lfwImages(), { key: 'omniglot/greek-1', identity: 'omniglot-character', bytes: omniglotCharacter() }];
    const source = new MemoryImageSource(images, [], ['lfw (4 people) + one Omniglot character']);
    // The detector's networks load once per process and stay: load them before counting tensors.
    await preprocessImage(lfwPhoto(PEOPLE[0], 4), preprocessing);
    const before = tf.memory().numTensors;
    const logs: string[] = [];
    const prepared: Array<[number, number]> = [];
    const result = await train(
      { ...base, name: 'faces32', preprocessing, epochs: 2, stepsPerEpoch: 2, batchSize: 4, valFraction: 0.5 },
      source,
      { onLog: (m) => logs.push(m), onPrepare: (done, total) => prepared.push([done, total]) },
    );
    // Every image went through the face stage once, before training.
    expect(prepared).toHaveLength(13);
    expect(prepared[prepared.length - 1]).toEqual([13, 13]);
    expect(logs).toContain('face stage: no face found in 1 of 13 images (dropped; e.g. omniglot/greek-1)');
    // The character's identity is gone with its only image: 4 people, 12 photos remain.
    expect(result.card.data).toMatchObject({ identities: 4, images: 12, trainIdentities: 2, validationIdentities: 2, facelessDropped: 1 });
    expect(result.card.preprocessing.face).toEqual(preprocessing.face);
    expect(result.history.map((h) => h.epoch)).toEqual([1, 2]); // fast backbone: no epoch 0 by default
    expect(result.card.training.steps).toBe(4);
    result.model.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it('with every photo having a face, facelessDropped is 0 (present whenever there is a face stage)', async () => {
    const preprocessing: PreprocessSpec = {
      width: 32,
      height: 32,
      channels: 3,
      normalize: 'unit',
      fit: 'fill',
      face: { ...DEFAULT_FACE_STAGE, template: scaledTemplate(32, 32) },
    };
    const source = new MemoryImageSource(lfwImages(), [], ['lfw (4 people)']);
    const result = await train(
      { ...base, name: 'faces32', preprocessing, epochs: 1, stepsPerEpoch: 1, batchSize: 4, valFraction: 0.5 },
      source,
    );
    expect(result.card.data.facelessDropped).toBe(0);
    expect(result.card.data.images).toBe(12);
    result.model.dispose();
    // Without a face stage the field is absent.
    const plain = await train({ ...base, epochs: 1, stepsPerEpoch: 1 }, new FolderImageSource([path.join(root, 'data')]));
    expect(plain.card.data).not.toHaveProperty('facelessDropped');
    plain.model.dispose();
  });
});

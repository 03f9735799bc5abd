import { promises as fs } from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../src/embedding/backend';
import { Embedder } from '../../src/embedding/embedder';
import type { ArchitectureSpec, PreprocessSpec } from '../../src/embedding/model-card';
import { loadModelDir, saveModelDir } from '../../src/embedding/model-store';
import { encodeBatch, inferenceSpec } from '../../src/embedding/preprocess/flip-average';
import { validatePreprocessSpec } from '../../src/embedding/preprocess/normalize';
import { applyView, testTimeViewProblems, viewMatrix } from '../../src/embedding/preprocess/test-time-views';
import { embedPixels } from '../../src/training/evaluate/embed';
import { testCard } from './fixtures';

/**
 * A 3×3 one-channel "image" through flatten → dense(9, identity kernel, no bias): f(x) = x flattened (row-major,
 * index = 3y + x), so every expected embedding below is hand-derived from where the pixels land.
 */
function identityModel(): tf.LayersModel {
  const input = tf.input({ shape: [3, 3, 1] });
  const flat = tf.layers.flatten().apply(input) as tf.SymbolicTensor;
  const out = tf.layers.dense({ units: 9, useBias: false, kernelInitializer: 'identity' }).apply(flat) as tf.SymbolicTensor;
  return tf.model({ inputs: input, outputs: out });
}

/** A 3×3 image with one ink pixel at (x, y). */
const dot = (x: number, y: number) => Array.from({ length: 9 }, (_, i) => (i === 3 * y + x ? 1 : 0));
const pre: PreprocessSpec = { width: 3, height: 3, channels: 1, normalize: 'invert-unit', fit: 'contain' };
const arch: ArchitectureSpec = { backbone: 'fast', embeddingDim: 9, normalization: 'none', l2Normalize: true };
const close = (got: ArrayLike<number>, want: number[]) => want.forEach((w, i) => expect(got[i]).toBeCloseTo(w, 5));
const ROT90 = [{ rotationDeg: 90 }];

let model: tf.LayersModel;
beforeAll(async () => {
  await initBackend('wasm');
  model = identityModel();
});
afterAll(() => model.dispose());

describe('test-time views: the view matrices', () => {
  it('map each output pixel to the input pixel c + A(p − c), A = (1/s)·R(θ)·shear, about the centre', () => {
    // 5×3 input: centre (2, 1).
    close(viewMatrix({}, 5, 3), [1, 0, 0, 0, 1, 0, 0, 0]);
    // A = ½·I: input = (2, 1) + ½(p − (2, 1)) → offsets 2 − 1 = 1 and 1 − ½ = ½.
    close(viewMatrix({ scale: 2 }, 5, 3), [0.5, 0, 1, 0, 0.5, 0.5, 0, 0]);
    // A = [[0, −1], [1, 0]]: x_in = 2 − (y − 1) = 3 − y, y_in = 1 + (x − 2) = x − 1.
    close(viewMatrix({ rotationDeg: 90 }, 5, 3), [0, -1, 3, 1, 0, -1, 0, 0]);
    // A = [[1, 0.1], [0, 1]]: x_in = x + 0.1(y − 1).
    close(viewMatrix({ shear: 0.1 }, 5, 3), [1, 0.1, -0.1, 0, 1, 0, 0, 0]);
  });
});

describe('test-time views: warping a batch', () => {
  it('the identity view returns the input; a quarter turn moves the right pixel to the top; no leaks', () => {
    const before = tf.memory().numTensors;
    const x = tf.tensor4d(dot(2, 1), [1, 3, 3, 1]);
    const same = applyView(x, {}, { constant: 0 });
    // Centre (1, 1): output (x, y) reads input (2 − y, x), so the ink at (2, 1) lands at output (1, 0).
    const turned = applyView(x, { rotationDeg: 90 }, { constant: 0 });
    close(same.dataSync(), dot(2, 1));
    close(turned.dataSync(), dot(1, 0));
    tf.dispose([x, same, turned]);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('outside the input a view reads the background: 0 for constant fill, the edge for nearest', () => {
    // Scale ½ (A = 2·I): output (x, y) reads (2x − 1, 2y − 1), outside the 3×3 input for every pixel but the centre.
    const ones = tf.ones([1, 3, 3, 1]) as tf.Tensor4D;
    const zeroFilled = applyView(ones, { scale: 0.5 }, { constant: 0 });
    const edgeFilled = applyView(ones, { scale: 0.5 }, 'nearest');
    close(zeroFilled.dataSync(), [0, 0, 0, 0, 1, 0, 0, 0, 0]);
    close(edgeFilled.dataSync(), [1, 1, 1, 1, 1, 1, 1, 1, 1]);
    tf.dispose([ones, zeroFilled, edgeFilled]);
  });

  it('warps every image of a batch, on wasm and on the cpu backend (which needs one image at a time)', async () => {
    const backend = tf.getBackend();
    try {
      for (const name of ['wasm', 'cpu']) {
        await tf.setBackend(name);
        const x = tf.tensor4d([...dot(2, 1), ...dot(1, 2)], [2, 3, 3, 1]);
        const turned = applyView(x, { rotationDeg: 90 }, { constant: 0 });
        // (2, 1) → (1, 0) as above; (1, 2): x_in = 2 − y = 1 → y = 1, y_in = x = 2 → output (2, 1).
        close(turned.dataSync(), [...dot(1, 0), ...dot(2, 1)]);
        tf.dispose([x, turned]);
      }
    } finally {
      await tf.setBackend(backend);
    }
  });
});

describe('test-time views: the embedding', () => {
  it('sums the plain and the viewed embeddings before normalising, with and without flips; no leaks', () => {
    const before = tf.memory().numTensors;
    const x = tf.tensor4d(dot(2, 1), [1, 3, 3, 1]);
    const fill = { constant: 0 };
    const l2 = encodeBatch(model, x, { l2Normalize: true, views: ROT90, viewFill: fill });
    const mean = encodeBatch(model, x, { l2Normalize: false, views: ROT90, viewFill: fill });
    const both = encodeBatch(model, x, { flipAverage: true, l2Normalize: true, views: ROT90, viewFill: fill });
    // f(x) = e₅ (pixel (2, 1)), f(W x) = e₁ (pixel (1, 0)): L2 → (e₁ + e₅)/√2; without L2 the mean (e₁ + e₅)/2.
    const e = (entries: Record<number, number>) => Array.from({ length: 9 }, (_, i) => entries[i] ?? 0);
    close(l2.dataSync(), e({ 1: Math.SQRT1_2, 5: Math.SQRT1_2 }));
    close(mean.dataSync(), e({ 1: 0.5, 5: 0.5 }));
    // With flips: x → e₅, mirror x → e₃, W x → e₁, mirror W x → e₁: (e₃ + 2e₁ + e₅)/√6.
    close(both.dataSync(), e({ 1: 2 / Math.sqrt(6), 3: 1 / Math.sqrt(6), 5: 1 / Math.sqrt(6) }));
    tf.dispose([x, l2, mean, both]);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('the card field drives the spec: paper 0 for ink-on-paper inputs, the edge otherwise; no field, no views', () => {
    expect(inferenceSpec({ preprocessing: pre, architecture: arch })).toEqual({});
    expect(inferenceSpec({ preprocessing: { ...pre, testTimeViews: [] }, architecture: arch })).toEqual({});
    expect(inferenceSpec({ preprocessing: { ...pre, testTimeViews: ROT90 }, architecture: arch })).toEqual({
      l2Normalize: true,
      views: ROT90,
      viewFill: { constant: 0 },
    });
    expect(inferenceSpec({ preprocessing: { ...pre, normalize: 'unit', testTimeViews: ROT90 }, architecture: arch }).viewFill).toBe(
      'nearest',
    );
  });

  it('the Embedder (service path), embedPixels (training validation) and a saved and loaded card agree', async () => {
    const root = await fs.mkdtemp(path.join(os.tmpdir(), 'views-'));
    try {
      // A 2 % enlargement (u = 1/1.02, δ = 1 − u): output pixel x reads input x_in = 1 + (x − 1)·u, bilinear.
      // Centre dot: each axis reads weights (δ, 1, δ), so f(W x) = outer((δ, 1, δ), (δ, 1, δ)) and the sum with
      // f(x) = e₄ is 2 at the centre, δ at the edges, δ² at the corners. Right dot (2, 1): columns read (0, 0, u),
      // rows (δ, 1, δ), so f(W x) = u·(e₅ + δ·e₂ + δ·e₈) and the sum is (1 + u)·e₅ + uδ·(e₂ + e₈).
      const views = [{ scale: 1.02 }];
      const u = 1 / 1.02;
      const d = 1 - u;
      const unit = (v: number[]) => v.map((x) => x / Math.hypot(...v));
      await saveModelDir(root, identityModel(), testCard(arch, { ...pre, testTimeViews: views }));
      const loaded = await loadModelDir(root);
      expect(loaded.card.preprocessing.testTimeViews).toEqual(views);
      const inputs = [Float32Array.from(dot(1, 1)), Float32Array.from(dot(2, 1))];
      const served = await new Embedder(loaded.model, loaded.card).embedInputs(inputs);
      close(served[0], unit([d * d, d, d * d, d, 2, d, d * d, d, d * d]));
      close(served[1], unit([0, 0, u * d, 0, 0, 1 + u, 0, 0, u * d]));
      const validated = embedPixels(loaded.model, inputs, pre, 64, inferenceSpec(loaded.card));
      validated.forEach((row, i) => close(row, Array.from(served[i])));
      loaded.model.dispose();
    } finally {
      await fs.rm(root, { recursive: true, force: true });
    }
  });

  it('a saved card with a view past the limits is refused at load (MODEL_INCOMPATIBLE)', async () => {
    const root = await fs.mkdtemp(path.join(os.tmpdir(), 'views-'));
    try {
      await saveModelDir(root, identityModel(), testCard(arch, { ...pre, testTimeViews: ROT90 }));
      await expect(loadModelDir(root)).rejects.toMatchObject({ code: 'MODEL_INCOMPATIBLE' });
      await expect(loadModelDir(root)).rejects.toThrow('rotationDeg must be within ±15');
    } finally {
      await fs.rm(root, { recursive: true, force: true });
    }
  });
});

describe('test-time views: a card that asks for too much is refused', () => {
  it.each([
    [Array.from({ length: 17 }, () => ({ scale: 1 })), 'must list at most 16 views'],
    [[5], 'must be an object'],
    [[null], 'must be an object'],
    [[{ scale: 0.5 }], 'scale must be in [0.8, 1.25]'],
    [[{ rotationDeg: 20 }], 'rotationDeg must be within ±15'],
    [[{ shear: 'a lot' }], 'shear must be within ±0.2'],
    [[{ translate: 3 }], "unknown field 'translate'"],
    ['rotate', 'must be an array'],
  ])('%j: %s', (views, message) => {
    expect(testTimeViewProblems(views).join('; ')).toContain(message);
    expect(() => validatePreprocessSpec({ ...pre, testTimeViews: views as never })).toThrow(message);
  });

  it('mild views pass; an empty list is no views (as inferenceSpec reads it)', () => {
    expect(testTimeViewProblems([{ rotationDeg: -2 }, { scale: 1.05, shear: 0.04 }])).toEqual([]);
    expect(testTimeViewProblems([])).toEqual([]);
    expect(() => validatePreprocessSpec({ ...pre, testTimeViews: [{ rotationDeg: 2 }] })).not.toThrow();
  });
});

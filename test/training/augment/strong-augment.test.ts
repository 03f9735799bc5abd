import * as tf from '@tensorflow/tfjs';
import {
  AUGMENT_PRESETS,
  augmentBatch,
  augmentPreset,
  erasingMask,
  type AugmentOptions,
} from '../../../src/training/augment/affine.augment';
import { Rng } from '../../../src/training/samplers/rng';
import { STILL_AUGMENT, useWasmBackend } from '../fixtures/still-augment';

const still = STILL_AUGMENT;

beforeAll(useWasmBackend);

describe('random erasing mask', () => {
  it('probability 0 erases nothing, probability 1 one in-bounds box per image with area in range', () => {
    const none = erasingMask([3, 10, 8, 1], { probability: 0, area: [0.1, 0.2] }, new Rng(1));
    expect(none.boxes).toEqual([null, null, null]);
    expect(none.mask.every((v) => v === 0)).toBe(true);

    const shape: [number, number, number, number] = [20, 10, 8, 1];
    const all = erasingMask(shape, { probability: 1, area: [0.1, 0.2] }, new Rng(2));
    expect(all.boxes).toHaveLength(20);
    all.boxes.forEach((b, i) => {
      expect(b).not.toBeNull();
      const { x, y, w, h } = b!;
      expect(x).toBeGreaterThanOrEqual(0);
      expect(y).toBeGreaterThanOrEqual(0);
      expect(x + w).toBeLessThanOrEqual(8);
      expect(y + h).toBeLessThanOrEqual(10);
      // area 8–16 px of 80 before rounding each side; clipping to the image can only shrink it
      expect(w * h).toBeGreaterThanOrEqual(1);
      expect(w * h).toBeLessThanOrEqual(30);
      // the mask of image i is exactly its box
      const ones = Array.from(all.mask.subarray(i * 80, (i + 1) * 80)).reduce((s, v) => s + v, 0);
      expect(ones).toBe(w * h);
    });
    // fill values lie in [0, 1) and are only set inside boxes
    all.fill.forEach((v, k) => {
      expect(v).toBeGreaterThanOrEqual(0);
      expect(v).toBeLessThan(1);
      if (all.mask[k] === 0) expect(v).toBe(0);
    });
  });

  it('erased pixels take the fill value; the rest are untouched', () => {
    const before = tf.memory().numTensors;
    const x = tf.fill([2, 6, 5, 1], 0.25) as tf.Tensor4D;
    const opts: AugmentOptions = { ...still, erasing: { probability: 1, area: [0.2, 0.2] } };
    const y = augmentBatch(x, opts, new Rng(9));
    // Replay the same random stream: 2 warps (7 component draws each, no flip draw), then the mask.
    const rng = new Rng(9);
    for (let i = 0; i < 2 * 7; i++) rng.next();
    const { mask, fill } = erasingMask([2, 6, 5, 1], opts.erasing!, rng);
    const out = y.dataSync();
    out.forEach((v, k) => expect(v).toBeCloseTo(mask[k] ? fill[k] : 0.25, 5));
    tf.dispose([x, y]);
    expect(tf.memory().numTensors).toBe(before);
  });
});

describe('photometric extras', () => {
  it('gamma maps a constant image c to c^γ with ln γ ∈ [−g, g]', () => {
    const x = tf.fill([4, 3, 3, 1], 0.25) as tf.Tensor4D;
    const y = augmentBatch(x, { ...still, gamma: 0.5 }, new Rng(4));
    const data = y.dataSync();
    for (let i = 0; i < 4; i++) {
      const v = data[i * 9];
      // 0.25^e^0.5 ≈ 0.1020 … 0.25^e^−0.5 ≈ 0.4317
      expect(v).toBeGreaterThan(0.25 ** Math.exp(0.5) - 1e-6);
      expect(v).toBeLessThan(0.25 ** Math.exp(-0.5) + 1e-6);
      for (let j = 1; j < 9; j++) expect(data[i * 9 + j]).toBeCloseTo(v, 6); // one curve per image
    }
    tf.dispose([x, y]);
  });

  it('noise keeps the mean and adds spread bounded by the max σ', () => {
    const x = tf.fill([2, 40, 40, 1], 0.5) as tf.Tensor4D;
    const y = augmentBatch(x, { ...still, noise: 0.05 }, new Rng(11));
    const d = y.dataSync();
    for (let i = 0; i < 2; i++) {
      const img = Array.from(d.subarray(i * 1600, (i + 1) * 1600));
      const mean = img.reduce((s, v) => s + v, 0) / 1600;
      const sd = Math.sqrt(img.reduce((s, v) => s + (v - mean) ** 2, 0) / 1600);
      expect(Math.abs(mean - 0.5)).toBeLessThan(0.01);
      expect(sd).toBeLessThan(0.05 * 1.1);
    }
    tf.dispose([x, y]);
  });

  it('faces-strong is a preset: seeded, finite, shape-preserving, leak-free', () => {
    expect(AUGMENT_PRESETS).toContain('faces-strong');
    const preset = augmentPreset('faces-strong')!;
    expect(preset.horizontalFlip).toBe(true);
    expect(preset.erasing?.probability).toBeGreaterThan(0);
    const before = tf.memory().numTensors;
    const x = tf.randomUniform([5, 14, 12, 1], 0, 1, 'float32', 3) as tf.Tensor4D;
    const a = augmentBatch(x, preset, new Rng(8));
    const b = augmentBatch(x, preset, new Rng(8));
    expect(a.shape).toEqual([5, 14, 12, 1]);
    expect(Array.from(a.dataSync())).toEqual(Array.from(b.dataSync()));
    expect(Array.from(a.dataSync()).every(Number.isFinite)).toBe(true);
    tf.dispose([x, a, b]);
    expect(tf.memory().numTensors).toBe(before);
  });
});

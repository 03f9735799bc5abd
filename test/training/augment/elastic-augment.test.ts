import * as tf from '@tensorflow/tfjs';
import { augmentBatch, augmentPreset, type AugmentOptions } from '../../../src/training/augment/affine.augment';
import { coarseDisplacementField, displacementField, elasticBatch, warpPlane } from '../../../src/training/augment/elastic.augment';
import { Rng } from '../../../src/training/samplers/rng';
import { STILL_AUGMENT, useWasmBackend } from '../fixtures/still-augment';

const still: AugmentOptions = { ...STILL_AUGMENT, fillMode: 'constant' };

beforeAll(useWasmBackend);

describe('warpPlane', () => {
  it('a displacement of one pixel to the right reads the next column, and the fill past the edge', () => {
    // 3×2 image [[1,2,3],[4,5,6]], dx = 1 everywhere: out(x, y) = in(x + 1, y), the last column reads the fill 9.
    const img = { data: Float32Array.from([1, 2, 3, 4, 5, 6]), width: 3, height: 2 };
    const out = warpPlane(img, new Float32Array(6).fill(1), new Float32Array(6), 9);
    expect(Array.from(out.data)).toEqual([2, 3, 9, 5, 6, 9]);
  });

  it('half a pixel down averages the two rows (bilinear)', () => {
    const img = { data: Float32Array.from([0, 2, 4, 8]), width: 2, height: 2 };
    const out = warpPlane(img, new Float32Array(4), new Float32Array(4).fill(0.5), 0);
    // row 0: (0+4)/2, (2+8)/2; row 1 reads row 2 (outside → 0): (4+0)/2, (8+0)/2
    expect(Array.from(out.data)).toEqual([2, 5, 2, 4]);
  });
});

describe('displacementField', () => {
  it('has the requested root-mean-square length in pixels (a share of the height)', () => {
    const { dx, dy } = displacementField(40, 20, { sigmaShare: 0.1, rmsShare: 0.05 }, new Rng(3));
    let sq = 0;
    for (let i = 0; i < dx.length; i++) sq += dx[i] ** 2 + dy[i] ** 2;
    expect(Math.sqrt(sq / dx.length)).toBeCloseTo(0.05 * 20, 4); // 1 px
  });
});

describe('coarseDisplacementField', () => {
  it('is the full-size field when σ is under 3 px (grid step 1), draw for draw', () => {
    const o = { sigmaShare: 0.1, rmsShare: 0.05 }; // σ = 2 px on 20 rows
    const a = coarseDisplacementField(40, 20, o, new Rng(7));
    const b = displacementField(40, 20, o, new Rng(7));
    expect(Array.from(a.dx)).toEqual(Array.from(b.dx));
    expect(Array.from(a.dy)).toEqual(Array.from(b.dy));
  });

  it('on a coarse grid keeps the requested RMS length and is about as smooth as the full-size field', () => {
    const o = { sigmaShare: 0.06, rmsShare: 0.03 }; // 160×80: σ 4.8 px, grid step 3, RMS 2.4 px
    const lagCorrelation = (f: typeof displacementField) => {
      let lag = 0;
      let zero = 0;
      for (let seed = 0; seed < 20; seed++) {
        const { dx } = f(160, 80, o, new Rng(seed));
        for (let y = 0; y < 80; y++)
          for (let x = 0; x < 152; x++) {
            lag += dx[y * 160 + x] * dx[y * 160 + x + 8];
            zero += dx[y * 160 + x] ** 2;
          }
      }
      return lag / zero;
    };
    const { dx, dy } = coarseDisplacementField(160, 80, o, new Rng(1));
    let sq = 0;
    for (let i = 0; i < dx.length; i++) sq += dx[i] ** 2 + dy[i] ** 2;
    expect(Math.sqrt(sq / dx.length)).toBeCloseTo(2.4, 4);
    // a Gaussian-smoothed field of σ = 4.8 px keeps exp(−8²/(4·4.8²)) ≈ 0.50 of its correlation 8 px away (less the
    // 3σ truncation); both kinds must sit near it
    const full = lagCorrelation(displacementField);
    expect(full).toBeGreaterThan(0.35);
    expect(full).toBeLessThan(0.6);
    expect(Math.abs(lagCorrelation(coarseDisplacementField) - full)).toBeLessThan(0.1);
  });
});

describe('elasticBatch', () => {
  const shape: [number, number, number, number] = [4, 12, 16, 1];
  const ramp = Float32Array.from({ length: 4 * 12 * 16 }, (_, i) => (i % 16) / 15);

  it('probability 0 leaves every image as it was; the input is never written', () => {
    const before = Float32Array.from(ramp);
    const { values, distorted } = elasticBatch(ramp, shape, { probability: 0, sigmaShare: 0.1, rmsShare: 0.1 }, 0, new Rng(1));
    expect(distorted).toEqual([false, false, false, false]);
    expect(Array.from(values)).toEqual(Array.from(ramp));
    expect(Array.from(ramp)).toEqual(Array.from(before));
  });

  it('probability 1 moves every image, and only by the field: a zero-length field changes nothing', () => {
    const moved = elasticBatch(ramp, shape, { probability: 1, sigmaShare: 0.1, rmsShare: 0.1 }, 0, new Rng(2));
    expect(moved.distorted).toEqual([true, true, true, true]);
    for (let i = 0; i < 4; i++) {
      const a = ramp.subarray(i * 192, (i + 1) * 192);
      const b = moved.values.subarray(i * 192, (i + 1) * 192);
      expect(a.some((v, j) => Math.abs(v - b[j]) > 1e-3)).toBe(true);
    }
    const zero = elasticBatch(ramp, shape, { probability: 1, sigmaShare: 0.1, rmsShare: 0 }, 0, new Rng(2));
    expect(Array.from(zero.values)).toEqual(Array.from(ramp));
  });

  it('one field per image for all its channels (a channel twice another stays twice it)', () => {
    const two = new Float32Array(2 * 12 * 16 * 2);
    for (let p = 0; p < 2 * 12 * 16; p++) {
      two[2 * p] = ((p * 7) % 11) / 10;
      two[2 * p + 1] = 2 * two[2 * p];
    }
    const { values } = elasticBatch(two, [2, 12, 16, 2], { probability: 1, sigmaShare: 0.1, rmsShare: 0.1 }, 0, new Rng(4));
    for (let p = 0; p < 2 * 12 * 16; p++) expect(values[2 * p + 1]).toBeCloseTo(2 * values[2 * p], 5);
  });

  it('refuses values that do not match the shape', () => {
    expect(() =>
      elasticBatch(new Float32Array(5), [1, 2, 2, 1], { probability: 1, sigmaShare: 0.1, rmsShare: 0.1 }, 0, new Rng(1)),
    ).toThrow(RangeError);
  });
});

describe('augmentBatch with an elastic field', () => {
  it("the 'signatures-elastic' preset is 'signatures' plus the field session 30 found mild (σ 0.06, RMS 0.03, half the images)", () => {
    expect(augmentPreset('signatures-elastic')).toEqual({
      ...augmentPreset('signatures'),
      elastic: { probability: 0.5, sigmaShare: 0.06, rmsShare: 0.03 },
    });
  });

  it('bends strokes without adding or losing much ink, and leaks no tensors', () => {
    // one 20×40 image with a 4-px-thick bar across the middle, far from the edges (so no ink leaves the frame)
    const h = 20;
    const w = 40;
    const data = new Float32Array(h * w);
    for (let y = 8; y < 12; y++) for (let x = 10; x < 30; x++) data[y * w + x] = 1;
    const x = tf.tensor4d(data, [1, h, w, 1]);
    const before = tf.memory().numTensors;
    const y = augmentBatch(x, { ...still, elastic: { probability: 1, sigmaShare: 0.2, rmsShare: 0.05 } }, new Rng(5));
    expect(tf.memory().numTensors).toBe(before + 1);
    const out = y.dataSync();
    const ink = Array.from(out).reduce((s, v) => s + v, 0);
    expect(Math.abs(ink - 80) / 80).toBeLessThan(0.15); // 4 × 20 px of ink, moved by a 1-px field
    expect(out.some((v, i) => Math.abs(v - data[i]) > 0.05)).toBe(true);
    x.dispose();
    y.dispose();
  });
});

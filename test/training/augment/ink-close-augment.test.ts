import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { augmentBatch, augmentPreset, type AugmentOptions } from '../../../src/training/augment/affine.augment';
import { closeBrightInk, inkMendMask, mendBatch } from '../../../src/training/augment/ink-close.augment';
import { closeInk } from '../../../src/embedding/preprocess/ink-mend';
import { registerNativeBackend } from '../../../src/embedding/native/native-backend';
import { Rng } from '../../../src/training/samplers/rng';
import { STILL_AUGMENT } from '../fixtures/still-augment';

/** A 1-row-high stroke in row 2 of a 5×8 image (bright ink on 0 paper), with the given columns left out. */
function brokenStroke(gap: number[]): Float32Array {
  const out = new Float32Array(5 * 8);
  for (let x = 0; x < 8; x++) if (!gap.includes(x)) out[2 * 8 + x] = 1;
  return out;
}
const STROKE_ROW = [16, 24]; // row 2's pixels

// training runs on `native` (wasm tensors with the project's kernels; MaxPool and the mask's multiply fall back to
// wasm's), tests elsewhere on wasm and cpu; `native` is skipped where its module was not built
const native = registerNativeBackend();
if (!native.ok) console.warn(`ink-close-augment.test.ts: native backend skipped: ${native.reason}`);
const backends = native.ok ? ['wasm', 'cpu', 'native'] : ['wasm', 'cpu'];

describe.each(backends)('ink closing on the %s backend', (backend) => {
  beforeAll(async () => {
    await tf.setBackend(backend);
    await tf.ready();
  });

  it('a 3×3 closing fills a stroke gap of 2 px and keeps the stroke one row high', () => {
    // stroke in row 2, gap at x = 3, 4. Dilation: rows 1–3 inked at every x (x = 3 is reached from 2, x = 4 from 5),
    // rows 0 and 4 stay paper. Erosion: row 2's 3×3 neighbourhoods are all ink, so it stays; rows 1 and 3 see
    // rows 0 and 4, paper, so they go back.
    const before = tf.memory().numTensors;
    const out = tf.tidy(() => closeBrightInk(tf.tensor4d(brokenStroke([3, 4]), [1, 5, 8, 1]), 3).dataSync());
    expect(tf.memory().numTensors).toBe(before);
    const expected = new Float32Array(40);
    expected.fill(1, STROKE_ROW[0], STROKE_ROW[1]);
    expect(Array.from(out)).toEqual(Array.from(expected));
  });

  it('a 3×3 closing leaves a gap of 3 px open', () => {
    // gap x = 2, 3, 4: the dilation reaches x = 2 from 1 and x = 4 from 5, never x = 3; the erosion then takes
    // x = 2 and 4 back (each sees x = 3 empty).
    const out = tf.tidy(() => closeBrightInk(tf.tensor4d(brokenStroke([2, 3, 4]), [1, 5, 8, 1]), 3).dataSync());
    expect(Array.from(out.subarray(STROKE_ROW[0], STROKE_ROW[1]))).toEqual([1, 1, 0, 0, 0, 1, 1, 1]);
    expect(Array.from(out.subarray(8, 16)).every((v) => v === 0)).toBe(true); // the row above stays paper
  });

  it('is the serving closing (ink-mend.ts, dark ink) on the inverted image, pixel for pixel, at 3 and 5', () => {
    const w = 23;
    const h = 17;
    const rng = new Rng(11);
    const dark = new Uint8Array(w * h);
    for (let i = 0; i < dark.length; i++) dark[i] = rng.next() < 0.6 ? 255 : Math.floor(rng.next() * 256);
    for (const size of [3, 5]) {
      const expected = closeInk(dark, w, h, size);
      const bright = Float32Array.from(dark, (v) => (255 - v) / 255);
      const got = tf.tidy(() => closeBrightInk(tf.tensor4d(bright, [1, h, w, 1]), size).dataSync());
      for (let i = 0; i < expected.length; i++) expect(Math.round(255 - got[i] * 255)).toBe(expected[i]);
    }
  });

  it('mends only the masked images of a batch', () => {
    const one = brokenStroke([3, 4]);
    const pixels = new Float32Array(2 * one.length);
    pixels.set(one, 0);
    pixels.set(one, one.length);
    const out = tf.tidy(() => mendBatch(tf.tensor4d(pixels, [2, 5, 8, 1]), [0, 1], 3).dataSync());
    expect(Array.from(out.subarray(0, one.length))).toEqual(Array.from(one)); // image 0 as it was
    expect(Array.from(out.subarray(one.length + STROKE_ROW[0], one.length + STROKE_ROW[1]))).toEqual([1, 1, 1, 1, 1, 1, 1, 1]); // image 1 mended
  });
});

describe('the mend augmentation', () => {
  beforeAll(async () => {
    await tf.setBackend('wasm');
    await tf.ready();
  });

  it("'signatures-mend' is 'signatures' plus half the images closed 3×3", () => {
    expect(augmentPreset('signatures-mend')).toEqual({ ...augmentPreset('signatures'), mend: { probability: 0.5, size: 3 } });
  });

  it('draws one mask entry per image: about half of 2,000 at probability ½, none at 0, all at 1', () => {
    const half = inkMendMask(2000, { probability: 0.5, size: 3 }, new Rng(4)).reduce((s, m) => s + m, 0);
    expect(half).toBeGreaterThan(900); // binomial(2000, ½): sd 22, so 900–1100 is ±4.5 sd
    expect(half).toBeLessThan(1100);
    expect(inkMendMask(5, { probability: 0, size: 3 }, new Rng(4))).toEqual([0, 0, 0, 0, 0]);
    expect(inkMendMask(5, { probability: 1, size: 3 }, new Rng(4))).toEqual([1, 1, 1, 1, 1]);
  });

  it('in augmentBatch: with every other part still, probability 1 closes every image, and no tensor leaks', () => {
    const still: AugmentOptions = { ...STILL_AUGMENT, fillMode: 'constant' };
    const x = tf.tensor4d(brokenStroke([3, 4]), [1, 5, 8, 1]);
    const before = tf.memory().numTensors;
    const y = augmentBatch(x, { ...still, mend: { probability: 1, size: 3 } }, new Rng(2));
    expect(tf.memory().numTensors).toBe(before + 1);
    // the still warp is the identity up to bilinear rounding
    const row = Array.from(y.dataSync().subarray(STROKE_ROW[0], STROKE_ROW[1]));
    for (const v of row) expect(v).toBeCloseTo(1, 5);
    const plain = augmentBatch(x, { ...still, mend: { probability: 0, size: 3 } }, new Rng(2));
    expect(plain.dataSync()[STROKE_ROW[0] + 3]).toBeCloseTo(0, 5); // the gap stays without the closing
    tf.dispose([x, y, plain]);
  });

  it('only appends one draw per image to the random stream: the warps and what follows are unchanged', () => {
    const x = tf.tensor4d(
      Float32Array.from({ length: 4 * 144 }, (_, i) => ((i * 37) % 101) / 100),
      [4, 12, 12, 1],
    );
    const plainRng = new Rng(9);
    const a = augmentBatch(x, augmentPreset('signatures'), plainRng);
    const mendRng = new Rng(9);
    const c = augmentBatch(x, { ...augmentPreset('signatures')!, mend: { probability: 0, size: 3 } }, mendRng);
    // with the mend on at probability 0 the batch is the same (the warp draws come first) ...
    expect(Array.from(c.dataSync())).toEqual(Array.from(a.dataSync()));
    // ... and the stream is 4 draws (one per image) further on, no more
    for (let i = 0; i < 4; i++) plainRng.next();
    expect(mendRng.next()).toBe(plainRng.next());
    tf.dispose([x, a, c]);
  });
});

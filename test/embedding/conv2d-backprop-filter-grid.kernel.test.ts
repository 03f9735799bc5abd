import * as tf from '@tensorflow/tfjs';
import { lcg as rand } from './fixtures';
import { initBackend } from '../../src/embedding/backend';
import { conv2dBackpropFilterGrid, gridApplies, withRunner } from '../../src/embedding/kernels';

/**
 * The grid form of the filter gradient (conv2d-backprop-filter-grid.kernel.ts)
 * against a hand-computed case and the cpu backend's Conv2DBackpropFilter,
 * with chunks that split images and rows and leave a short last chunk.
 * Asserts that its heap views and temporaries are all released.
 */
type Attrs = Parameters<typeof conv2dBackpropFilterGrid>[3];

function grid(x: tf.Tensor, dy: tf.Tensor, attrs: Attrs, chunk: number): tf.Tensor {
  return tf.engine().makeTensorFromTensorInfo(withRunner(tf.backend(), 'wasm', (r) => conv2dBackpropFilterGrid(r, x, dy, attrs, chunk)));
}

function backendDataIds(): number {
  return (tf.backend() as unknown as { numDataIds(): number }).numDataIds();
}

beforeAll(async () => {
  await initBackend('wasm');
});

describe('conv2dBackpropFilterGrid', () => {
  it('computes a 1-D case by hand, with padding', () => {
    // x = [1,2,3] (one row, 1 channel), kernel width 2, explicit left pad 1:
    // padded row [0,1,2,3] → y0 = w0·0 + w1·1, y1 = w0·1 + w1·2, y2 = w0·2 + w1·3.
    // dy = [1, 10, 100]: dW0 = 0 + 10 + 200 = 210, dW1 = 1 + 20 + 300 = 321.
    const before = tf.memory().numTensors;
    const ids = backendDataIds();
    const x = tf.tensor4d([1, 2, 3], [1, 1, 3, 1]);
    const dy = tf.tensor4d([1, 10, 100], [1, 1, 3, 1]);
    const pad: tf.backend_util.ExplicitPadding = [
      [0, 0],
      [0, 0],
      [1, 0],
      [0, 0],
    ];
    const out = grid(x, dy, { strides: 1, pad, dataFormat: 'NHWC', filterShape: [1, 2, 1, 1] }, 2);
    expect(out.shape).toEqual([1, 2, 1, 1]);
    expect(Array.from(out.dataSync())).toEqual([210, 321]);
    tf.dispose([x, dy, out]);
    expect(tf.memory().numTensors).toBe(before);
    expect(backendDataIds()).toBe(ids);
  });

  it('applies to stride 1 NHWC only', () => {
    const x = tf.zeros([1, 5, 5, 8]);
    const dy = tf.zeros([1, 3, 3, 4]);
    const base = { pad: 'valid' as const, dataFormat: 'NHWC' as const, filterShape: [3, 3, 8, 4] as [number, number, number, number] };
    expect(gridApplies(x, dy, { ...base, strides: 1 })).toBe(true);
    expect(gridApplies(x, dy, { ...base, strides: [1, 2] })).toBe(false);
    expect(gridApplies(x, dy, { ...base, strides: 1, dataFormat: 'NCHW' })).toBe(false);
    tf.dispose([x, dy]);
  });

  it.each([
    { x: [3, 9, 9, 12], k: [3, 3, 12, 5], pad: 'valid' as const, chunk: 10 },
    { x: [2, 8, 7, 16], k: [3, 3, 16, 4], pad: 'same' as const, chunk: 37 },
    { x: [2, 6, 6, 9], k: [2, 2, 9, 3], pad: 'same' as const, chunk: 1000 },
    { x: [4, 12, 11, 8], k: [3, 3, 8, 16], pad: 'valid' as const, chunk: 144 },
  ])('matches the cpu backend for x=$x k=$k $pad, chunks of $chunk', async ({ x, k, pad, chunk }) => {
    const xv = rand(
      x.reduce((a, b) => a * b),
      5,
    );
    const attrs = { strides: 1, pad, dataFormat: 'NHWC' as const, filterShape: k as [number, number, number, number] };
    const info = tf.backend_util.computeConv2DInfo(x as [number, number, number, number], attrs.filterShape, 1, 1, pad);
    const dyShape = [x[0], info.outHeight, info.outWidth, k[3]];
    const dyv = rand(
      dyShape.reduce((a, b) => a * b),
      6,
    );
    await tf.setBackend('cpu');
    const ref = tf.tidy(
      () =>
        tf
          .engine()
          .runKernel(
            'Conv2DBackpropFilter',
            { x: tf.tensor(xv, x), dy: tf.tensor(dyv, dyShape) },
            attrs as unknown as tf.NamedAttrMap,
          ) as tf.Tensor,
    );
    const expected = ref.dataSync();
    ref.dispose();
    await tf.setBackend('wasm');
    const before = tf.memory().numTensors;
    const ids = backendDataIds();
    const xt = tf.tensor(xv, x);
    const dyt = tf.tensor(dyv, dyShape);
    const out = grid(xt, dyt, attrs, chunk);
    expect(out.shape).toEqual(k);
    const got = out.dataSync();
    let worst = 0;
    for (let i = 0; i < got.length; i++) worst = Math.max(worst, Math.abs(got[i] - expected[i]));
    expect(worst).toBeLessThan(1e-4);
    tf.dispose([xt, dyt, out]);
    expect(tf.memory().numTensors).toBe(before);
    expect(backendDataIds()).toBe(ids);
  });
});

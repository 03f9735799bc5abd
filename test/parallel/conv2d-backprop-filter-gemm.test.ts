import * as tf from '@tensorflow/tfjs';
import { lcg as rand } from '../embedding/fixtures';
import { initBackend } from '../../src/embedding/backend';
import { conv2dBackpropFilterGemm, withRunner } from '../../src/embedding/kernels';

/**
 * The chunked-GEMM filter gradient against a hand-computed case and against
 * the cpu backend's Conv2DBackpropFilter with chunk sizes that split images
 * and leave a short last chunk. (Registered for wasm; test/embedding/
 * wasm-kernels.test.ts also runs it through tf.grads for layers with > 8 input channels.)
 */
type Attrs = Parameters<typeof conv2dBackpropFilterGemm>[3];

function gemm(x: tf.Tensor, dy: tf.Tensor, attrs: Attrs, rows: number): tf.Tensor {
  return tf.engine().makeTensorFromTensorInfo(withRunner(tf.backend(), 'wasm', (r) => conv2dBackpropFilterGemm(r, x, dy, attrs, rows)));
}

beforeAll(async () => {
  await initBackend('wasm');
});

describe('conv2dBackpropFilterGemm', () => {
  it('computes a 1-D case by hand, with padding', () => {
    // x = [1,2,3] (one row, 1 channel), kernel width 2, stride 1, explicit left pad 1:
    // padded row [0,1,2,3] → y0 = w0·0 + w1·1, y1 = w0·1 + w1·2, y2 = w0·2 + w1·3.
    // dy = [1, 10, 100]: dW0 = 0 + 10 + 200 = 210, dW1 = 1 + 20 + 300 = 321.
    const before = tf.memory().numTensors;
    const x = tf.tensor4d([1, 2, 3], [1, 1, 3, 1]);
    const dy = tf.tensor4d([1, 10, 100], [1, 1, 3, 1]);
    const pad: tf.backend_util.ExplicitPadding = [
      [0, 0],
      [0, 0],
      [1, 0],
      [0, 0],
    ];
    const out = gemm(x, dy, { strides: 1, pad, dataFormat: 'NHWC', filterShape: [1, 2, 1, 1] }, 2);
    expect(out.shape).toEqual([1, 2, 1, 1]);
    expect(Array.from(out.dataSync())).toEqual([210, 321]);
    tf.dispose([x, dy, out]);
    expect(tf.memory().numTensors).toBe(before);
  });

  it.each([
    { x: [3, 9, 9, 12], k: [3, 3, 12, 5], s: 1, pad: 'valid' as const, rows: 10 },
    { x: [2, 8, 7, 16], k: [3, 3, 16, 4], s: 2, pad: 'same' as const, rows: 3 },
    { x: [2, 6, 6, 9], k: [2, 2, 9, 3], s: 1, pad: 'same' as const, rows: 1000 },
  ])('matches the cpu backend for x=$x k=$k stride=$s $pad, $rows rows per chunk', async ({ x, k, s, pad, rows }) => {
    const xv = rand(
      x.reduce((a, b) => a * b),
      5,
    );
    const attrs = { strides: s, pad, dataFormat: 'NHWC' as const, filterShape: k as [number, number, number, number] };
    const info = tf.backend_util.computeConv2DInfo(x as [number, number, number, number], attrs.filterShape, s, 1, pad);
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
    const xt = tf.tensor(xv, x);
    const dyt = tf.tensor(dyv, dyShape);
    const out = gemm(xt, dyt, attrs, rows);
    expect(out.shape).toEqual(k);
    const got = out.dataSync();
    let worst = 0;
    for (let i = 0; i < got.length; i++) worst = Math.max(worst, Math.abs(got[i] - expected[i]));
    expect(worst).toBeLessThan(1e-4);
    tf.dispose([xt, dyt, out]);
  });
});

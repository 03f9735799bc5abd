import * as tf from '@tensorflow/tfjs';
import { lcg as rand } from './fixtures';
import { initBackend } from '../../src/embedding/backend';
import { winogradFilterGrad, winogradShapeOf } from '../../src/embedding/kernels';

/**
 * The Winograd F(3×3, 4×4) filter gradient (winograd-filter-grad.kernel.ts)
 * against a hand-computed case and the cpu backend's Conv2DBackpropFilter,
 * in one and in several rounds of images, with partial tiles and padding.
 */
type Pad = 'valid' | 'same' | [[0, 0], [number, number], [number, number], [0, 0]];

function backendDataIds(): number {
  return (tf.backend() as unknown as { numDataIds(): number }).numDataIds();
}

beforeAll(async () => {
  await initBackend('wasm');
});

describe('winogradFilterGrad', () => {
  it('computes a constant case by hand', () => {
    // x = 1 and dy = 1 everywhere, 16 channels each, 6×7 input (4×5 output, valid):
    // every dW entry sums x·dy over the 20 output positions → 20.
    const before = tf.memory().numTensors;
    const ids = backendDataIds();
    const x = tf.ones([1, 6, 7, 16]);
    const dy = tf.ones([1, 4, 5, 16]);
    const s = winogradShapeOf(x.shape, [3, 3, 16, 16], { strides: 1, pad: 'valid' })!;
    const dw = tf.engine().makeTensorFromTensorInfo(winogradFilterGrad(tf.backend(), x, dy, s));
    expect(dw.shape).toEqual([3, 3, 16, 16]);
    for (const v of dw.dataSync()) expect(v).toBeCloseTo(20, 3);
    tf.dispose([x, dy, dw]);
    expect(tf.memory().numTensors).toBe(before);
    expect(backendDataIds()).toBe(ids);
  });

  it.each([
    { x: [3, 11, 13, 16], co: 20, pad: 'valid' as Pad, group: 1 },
    { x: [2, 9, 9, 24], co: 16, pad: 'same' as Pad, group: 2 },
    {
      x: [5, 8, 10, 16],
      co: 32,
      pad: [
        [0, 0],
        [2, 2],
        [2, 1],
        [0, 0],
      ] as Pad,
      group: 2,
    },
    { x: [2, 12, 12, 32], co: 64, pad: 'valid' as Pad, group: 8 },
  ])('matches the cpu backend for x=$x co=$co $pad ($group images per round)', async ({ x, co, pad, group }) => {
    const filterShape: [number, number, number, number] = [3, 3, x[3], co];
    const info = tf.backend_util.computeConv2DInfo(x as [number, number, number, number], filterShape, 1, 1, pad as 'valid');
    const dyShape = [x[0], info.outHeight, info.outWidth, co];
    const xv = rand(
      x.reduce((a, b) => a * b),
      21,
    );
    const dyv = rand(
      dyShape.reduce((a, b) => a * b),
      22,
    );
    const attrs = { strides: 1, pad, dataFormat: 'NHWC', filterShape } as unknown as tf.NamedAttrMap;
    await tf.setBackend('cpu');
    const expected = tf.tidy(() =>
      (tf.engine().runKernel('Conv2DBackpropFilter', { x: tf.tensor(xv, x), dy: tf.tensor(dyv, dyShape) }, attrs) as tf.Tensor).dataSync(),
    );
    await tf.setBackend('wasm');
    const before = tf.memory().numTensors;
    const xt = tf.tensor(xv, x);
    const dyt = tf.tensor(dyv, dyShape);
    const s = winogradShapeOf(x, filterShape, { strides: 1, pad })!;
    const groupFloats = 36 * Math.ceil(s.oh / 4) * Math.ceil(s.ow / 4) * Math.max(s.ci, s.co) * group;
    const direct = tf.engine().makeTensorFromTensorInfo(winogradFilterGrad(tf.backend(), xt, dyt, s, groupFloats));
    // The registered kernel (tf.grads of a conv) takes the same path.
    const registered = tf.engine().runKernel('Conv2DBackpropFilter', { x: xt, dy: dyt }, attrs) as tf.Tensor;
    let scale = 1;
    for (const v of expected) scale = Math.max(scale, Math.abs(v));
    for (const got of [direct.dataSync(), registered.dataSync()]) {
      let worst = 0;
      for (let i = 0; i < got.length; i++) worst = Math.max(worst, Math.abs(got[i] - expected[i]));
      expect(worst / scale).toBeLessThan(1e-5);
    }
    tf.dispose([xt, dyt, direct, registered]);
    expect(tf.memory().numTensors).toBe(before);
  });
});

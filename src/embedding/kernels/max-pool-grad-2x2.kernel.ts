import * as tf from '@tensorflow/tfjs';
import { SIMD_CHANNEL_MULTIPLE } from './dispatch-thresholds';
import { heapBackend } from './heap-access';
import { simdKernels } from './simd-module';
import { byteOffsetOf } from './wasm-gemm';

/**
 * MaxPoolGrad for the common 2×2 / stride 2 / valid pool (NHWC), wrapping the
 * general loop of max-pool-grad.kernel.ts for every other configuration.
 *
 *   dx[p] = dy[window of p]  if p is its window's first maximal element (row-major), else 0
 *
 * The windows do not overlap, so each input element is written exactly once
 * (no zero-fill pass, no accumulation) and the four candidates are compared
 * with straight-line code instead of the general loop's per-window
 * bookkeeping: the seed net's first pool gradient (98×98×64 per image) was
 * ~8 % of a training step. Ties go to the first maximum, as on the cpu backend.
 * With channels a multiple of 4 the loop runs as wasm SIMD (simd.ir.ts).
 */
export function makeMaxPoolGrad2x2Config(backendName: string, general: tf.KernelConfig): tf.KernelConfig {
  return {
    kernelName: tf.MaxPoolGrad,
    backendName,
    kernelFunc: (args) => {
      const { dy, input } = args.inputs as { dy: tf.TensorInfo; input: tf.TensorInfo };
      const { filterSize, strides, pad, dimRoundingMode } = args.attrs as unknown as {
        filterSize: [number, number] | number;
        strides: [number, number] | number;
        pad: 'valid' | 'same' | number | tf.backend_util.ExplicitPadding;
        dimRoundingMode?: 'floor' | 'round' | 'ceil';
      };
      const info = tf.backend_util.computePool2DInfo(
        input.shape as [number, number, number, number],
        filterSize,
        strides,
        1,
        pad,
        dimRoundingMode,
      );
      const fast =
        info.filterHeight === 2 &&
        info.filterWidth === 2 &&
        info.strideHeight === 2 &&
        info.strideWidth === 2 &&
        info.dilationHeight === 1 &&
        info.dilationWidth === 1 &&
        info.padInfo.top === 0 &&
        info.padInfo.left === 0 &&
        info.outHeight * 2 <= info.inHeight &&
        info.outWidth * 2 <= info.inWidth &&
        input.dtype === 'float32';
      if (!fast) return general.kernelFunc(args);
      const heap = heapBackend(args.backend);
      const out = heap.makeOutput(input.shape, 'float32');
      const simd = simdKernels(args.backend);
      if (simd && info.inChannels % SIMD_CHANNEL_MULTIPLE === 0) {
        maxPoolGrad2x2Simd(args.backend, simd, input, dy, out, info);
        return out;
      }
      const x = heap.typedArrayFromHeap(input) as Float32Array;
      const g = heap.typedArrayFromHeap(dy) as Float32Array;
      const dx = heap.typedArrayFromHeap(out) as Float32Array;
      maxPoolGrad2x2(x, g, dx, info);
      return out;
    },
  };
}

/** The same on wasm SIMD (simd.ir.ts mpg2x2_row), one output row per call; channels a multiple of 4. */
export function maxPoolGrad2x2Simd(
  backend: object,
  simd: NonNullable<ReturnType<typeof simdKernels>>,
  input: tf.TensorInfo,
  dy: tf.TensorInfo,
  out: tf.TensorInfo,
  info: tf.backend_util.Conv2DInfo,
): void {
  const { batchSize: n, inHeight: h, inWidth: w, inChannels: c, outHeight: oh, outWidth: ow } = info;
  const x = byteOffsetOf(backend, input);
  const g = byteOffsetOf(backend, dy);
  const dx = byteOffsetOf(backend, out);
  if (oh * 2 !== h || ow * 2 !== w) new Float32Array(simd.memory.buffer, dx, n * h * w * c).fill(0);
  const rowBytes = w * c * 4;
  for (let b = 0; b < n; b++) {
    for (let i = 0; i < oh; i++) {
      const inRow = (b * h + 2 * i) * rowBytes;
      simd.mpg2x2Row(x + inRow, rowBytes, g + (b * oh + i) * ow * c * 4, dx + inRow, ow, c * 4);
    }
  }
}

export function maxPoolGrad2x2(x: Float32Array, dy: Float32Array, dx: Float32Array, info: tf.backend_util.Conv2DInfo): void {
  const { batchSize: n, inHeight: h, inWidth: w, inChannels: c, outHeight: oh, outWidth: ow } = info;
  // Rows/columns that no window covers (odd sizes) get no gradient.
  if (oh * 2 !== h || ow * 2 !== w) dx.fill(0);
  const rowStride = w * c;
  for (let b = 0; b < n; b++) {
    for (let i = 0; i < oh; i++) {
      for (let j = 0; j < ow; j++) {
        const p00 = ((b * h + 2 * i) * w + 2 * j) * c;
        const p01 = p00 + c;
        const p10 = p00 + rowStride;
        const p11 = p10 + c;
        const q = ((b * oh + i) * ow + j) * c;
        for (let k = 0; k < c; k++) {
          const a0 = x[p00 + k];
          const a1 = x[p01 + k];
          const a2 = x[p10 + k];
          const a3 = x[p11 + k];
          // First maximum in row-major order: later candidates must be strictly greater.
          let best = a0;
          let at = 0;
          if (a1 > best) {
            best = a1;
            at = 1;
          }
          if (a2 > best) {
            best = a2;
            at = 2;
          }
          if (a3 > best) at = 3;
          const gv = dy[q + k];
          dx[p00 + k] = at === 0 ? gv : 0;
          dx[p01 + k] = at === 1 ? gv : 0;
          dx[p10 + k] = at === 2 ? gv : 0;
          dx[p11 + k] = at === 3 ? gv : 0;
        }
      }
    }
  }
}

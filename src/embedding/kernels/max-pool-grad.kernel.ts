import * as tf from '@tensorflow/tfjs';
import { heapBackend } from './heap-access';

/**
 * MaxPoolGrad as a JavaScript loop over the wasm heap, replacing
 * tfjs-backend-wasm 4.22's kernel (measured ~6.5 ms per image for the seed
 * net's first pool, 98×98×64 → 49×49×64; the loop below is memory-bound).
 *
 *   dx[p] = Σ over windows w whose max is at p of dy[w]
 *
 * The max of a window is its first maximal element in row-major order
 * (strictly greater replaces), padding excluded: the cpu backend's rule, so
 * both backends route ties the same way. NHWC, any filter/stride/padding.
 */
export function makeMaxPoolGradConfig(backendName: string): tf.KernelConfig {
  return {
    kernelName: tf.MaxPoolGrad,
    backendName,
    kernelFunc: ({ inputs, backend, attrs }) => {
      const { dy, input } = inputs as { dy: tf.TensorInfo; input: tf.TensorInfo };
      const { filterSize, strides, pad, dimRoundingMode } = attrs as unknown as {
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
      const heap = heapBackend(backend);
      const out = heap.makeOutput(input.shape, 'float32');
      const x = heap.typedArrayFromHeap(input) as Float32Array;
      const g = heap.typedArrayFromHeap(dy) as Float32Array;
      const dx = heap.typedArrayFromHeap(out) as Float32Array;
      maxPoolGradNHWC(x, g, dx, info);
      return out;
    },
  };
}

export function maxPoolGradNHWC(x: Float32Array, dy: Float32Array, dx: Float32Array, info: tf.backend_util.Conv2DInfo): void {
  const { batchSize: n, inHeight: h, inWidth: w, inChannels: c, outHeight: oh, outWidth: ow } = info;
  const { strideHeight: sh, strideWidth: sw, filterHeight: fh, filterWidth: fw, dilationHeight: dh, dilationWidth: dw } = info;
  const top = info.padInfo.top;
  const left = info.padInfo.left;
  dx.fill(0);
  const best = new Float32Array(c);
  const where = new Int32Array(c);
  for (let b = 0; b < n; b++) {
    for (let i = 0; i < oh; i++) {
      const h0 = i * sh - top;
      for (let j = 0; j < ow; j++) {
        const w0 = j * sw - left;
        best.fill(-Infinity);
        where.fill(-1);
        for (let u = 0; u < fh; u++) {
          const hh = h0 + u * dh;
          if (hh < 0 || hh >= h) continue;
          for (let v = 0; v < fw; v++) {
            const ww = w0 + v * dw;
            if (ww < 0 || ww >= w) continue;
            const base = ((b * h + hh) * w + ww) * c;
            for (let k = 0; k < c; k++) {
              const val = x[base + k];
              if (val > best[k]) {
                best[k] = val;
                where[k] = base + k;
              }
            }
          }
        }
        const gBase = ((b * oh + i) * ow + j) * c;
        for (let k = 0; k < c; k++) if (where[k] >= 0) dx[where[k]] += dy[gBase + k];
      }
    }
  }
}

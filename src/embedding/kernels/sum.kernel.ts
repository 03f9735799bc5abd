import * as tf from '@tensorflow/tfjs';
import { SIMD_CHANNEL_MULTIPLE } from './dispatch-thresholds';
import { heapBackend } from './heap-access';
import { simdKernels } from './simd-module';
import { byteOffsetOf } from './wasm-gemm';

/**
 * Sum over leading axes (e.g. a bias gradient: Σ_{n,h,w} dy[n,h,w,c]) as a
 * JavaScript loop over the wasm heap. tfjs-backend-wasm 4.22 transposes the
 * reduced axes innermost first, a full copy of dy (~60 ms for the seed net's
 * first layer at 16 images). Other reductions go to the original kernel.
 * Accumulates in float64 per output element; with a multiple of 4 output
 * elements the loop runs as wasm SIMD (simd.ir.ts sum_rows).
 */
export function makeSumConfig(backendName: string, original: tf.KernelConfig): tf.KernelConfig {
  return {
    kernelName: tf.Sum,
    backendName,
    setupFunc: original.setupFunc,
    disposeFunc: original.disposeFunc,
    kernelFunc: (args) => {
      const { x } = args.inputs as { x: tf.TensorInfo };
      const { axis, keepDims } = args.attrs as unknown as { axis: number | number[]; keepDims: boolean };
      const rank = x.shape.length;
      const axes = tf.util.parseAxisParam(axis, x.shape).sort((a, b) => a - b);
      const leading = axes.length > 0 && axes.length < rank && axes.every((a, i) => a === i);
      if (x.dtype !== 'float32' || !leading) return original.kernelFunc(args);
      const k = axes.length;
      const outer = x.shape.slice(0, k).reduce((p, q) => p * q, 1);
      const inner = x.shape.slice(k).reduce((p, q) => p * q, 1);
      const outShape = keepDims ? x.shape.map((d, i) => (i < k ? 1 : d)) : x.shape.slice(k);
      const heap = heapBackend(args.backend);
      const out = heap.makeOutput(outShape, 'float32');
      const simd = simdKernels(args.backend);
      if (simd && inner % SIMD_CHANNEL_MULTIPLE === 0) {
        // float64 accumulators on the heap (2 floats each), zeroed, summed into by sum_rows.
        const acc = heap.makeOutput([inner * 2], 'float32');
        try {
          const accOff = byteOffsetOf(args.backend, acc);
          new Float64Array(simd.memory.buffer, accOff, inner).fill(0);
          simd.sumRows(byteOffsetOf(args.backend, x), outer, accOff, inner * 4);
          (heap.typedArrayFromHeap(out) as Float32Array).set(new Float64Array(simd.memory.buffer, accOff, inner));
        } finally {
          (args.backend as unknown as { disposeData(id: tf.DataId): boolean }).disposeData(acc.dataId);
        }
        return out;
      }
      const xs = heap.typedArrayFromHeap(x) as Float32Array;
      const ys = heap.typedArrayFromHeap(out) as Float32Array;
      const acc = new Float64Array(inner);
      for (let o = 0; o < outer; o++) {
        const base = o * inner;
        for (let i = 0; i < inner; i++) acc[i] += xs[base + i];
      }
      ys.set(acc);
      return out;
    },
  };
}

import * as tf from '@tensorflow/tfjs';
import { heapBackend } from '../kernels/heap-access';
import type { NativeAddon } from './native-addon';
import type { FallbackOf } from './native-kernels';

/**
 * The memory-bound kernels of a training step on the `native` backend: the
 * element-wise ops of the bias add, the ReLU and its gradient (Step, Cast,
 * Multiply), the bias gradient (Sum over every axis but channels), 2×2 max
 * pooling and its gradient, and the gradient accumulation (AddN, Add, RealDiv).
 * wasm runs them on one thread with 128-bit SIMD; native/src/elementwise.cc
 * splits them across the cores with the widest vectors. On the seed net they
 * were ~40 % of a train step once the GEMMs were native (profile in
 * docs/native-kernels.md).
 *
 * Each handles float32 in the shapes it knows and hands the rest to the wasm
 * kernel it replaces. Small tensors stay on wasm (the call and the thread
 * wake-up cost more than the work).
 */
type Args = { inputs: Record<string, tf.TensorInfo>; backend: unknown; attrs?: tf.NamedAttrMap };

/** Below this many elements the wasm kernel is at least as fast. */
export const NATIVE_ELEMENTWISE_MIN_SIZE = 1 << 14;

const BINARY_OPS: Record<string, number> = {
  [tf.Add]: 0,
  [tf.Sub]: 1,
  [tf.Multiply]: 2,
  [tf.RealDiv]: 3,
  [tf.Maximum]: 4,
  [tf.Minimum]: 5,
};

const UNARY_OPS = { relu: 0, step: 1 } as const;

function view(backend: unknown, t: tf.TensorInfo): Float32Array {
  return heapBackend(backend).typedArrayFromHeap(t) as Float32Array;
}

function output(backend: unknown, shape: number[]): tf.TensorInfo {
  return heapBackend(backend).makeOutput(shape, 'float32');
}

/**
 * Whether `small` repeats along the leading axes of `outShape` (index i % size
 * is exact): its shape without leading 1s is a suffix of outShape.
 */
export function repeatsAlongLeadingAxes(small: number[], outShape: number[]): boolean {
  let first = 0;
  while (first < small.length && small[first] === 1) first++;
  const core = small.slice(first);
  if (core.length > outShape.length) return false;
  const tail = outShape.slice(outShape.length - core.length);
  return core.every((d, i) => d === tail[i]);
}

function makeBinary(addon: NativeAddon, name: string, backendName: string, fallbackOf: FallbackOf): tf.KernelConfig {
  const wasm = fallbackOf(name);
  const op = BINARY_OPS[name];
  return {
    kernelName: name,
    backendName,
    kernelFunc: (args) => {
      const { inputs, backend } = args as unknown as Args;
      const { a, b } = inputs;
      if (a.dtype !== 'float32' || b.dtype !== 'float32') return wasm(args);
      const outShape = tf.backend_util.assertAndGetBroadcastShape(a.shape, b.shape);
      const size = tf.util.sizeFromShape(outShape);
      if (size < NATIVE_ELEMENTWISE_MIN_SIZE) return wasm(args);
      const aSize = tf.util.sizeFromShape(a.shape);
      const bSize = tf.util.sizeFromShape(b.shape);
      const aFull = aSize === size && repeatsAlongLeadingAxes(a.shape, outShape);
      const bFull = bSize === size && repeatsAlongLeadingAxes(b.shape, outShape);
      const fits =
        (aFull && (bFull || repeatsAlongLeadingAxes(b.shape, outShape))) || (bFull && repeatsAlongLeadingAxes(a.shape, outShape));
      if (!fits || aSize === 0 || bSize === 0) return wasm(args);
      const out = output(backend, outShape);
      addon.binary(op, view(backend, a), view(backend, b), view(backend, out));
      return out;
    },
  };
}

function makeUnary(
  addon: NativeAddon,
  name: string,
  op: number,
  alphaOf: (attrs: tf.NamedAttrMap) => number,
  backendName: string,
  fallbackOf: FallbackOf,
): tf.KernelConfig {
  const wasm = fallbackOf(name);
  return {
    kernelName: name,
    backendName,
    kernelFunc: (args) => {
      const { inputs, backend, attrs = {} } = args as unknown as Args;
      const { x } = inputs;
      if (x.dtype !== 'float32' || tf.util.sizeFromShape(x.shape) < NATIVE_ELEMENTWISE_MIN_SIZE) return wasm(args);
      const out = output(backend, [...x.shape]);
      addon.unary(op, view(backend, x), view(backend, out), alphaOf(attrs));
      return out;
    },
  };
}

/** Cast to the dtype a tensor already has: share its buffer (the ReLU gradient casts Step's float32 output to float32). */
function makeCast(backendName: string, fallbackOf: FallbackOf): tf.KernelConfig {
  const wasm = fallbackOf(tf.Cast);
  return {
    kernelName: tf.Cast,
    backendName,
    kernelFunc: (args) => {
      const { inputs, backend, attrs = {} } = args as unknown as Args;
      const { x } = inputs;
      if (x.dtype !== attrs.dtype || x.dtype === 'string') return wasm(args);
      (backend as { incRef(id: tf.DataId): void }).incRef(x.dataId);
      return { dataId: x.dataId, shape: x.shape, dtype: x.dtype };
    },
  };
}

/** AddN of float32 tensors of one shape (gradient accumulation across micro-batches). */
function makeAddN(addon: NativeAddon, backendName: string, fallbackOf: FallbackOf): tf.KernelConfig {
  const wasm = fallbackOf(tf.AddN);
  return {
    kernelName: tf.AddN,
    backendName,
    kernelFunc: (args) => {
      const { backend } = args as unknown as Args;
      const xs = args.inputs as unknown as tf.TensorInfo[];
      const shape = xs[0]?.shape;
      if (
        !shape ||
        tf.util.sizeFromShape(shape) < NATIVE_ELEMENTWISE_MIN_SIZE ||
        xs.some((t) => t.dtype !== 'float32' || !tf.util.arraysEqual(t.shape, shape))
      )
        return wasm(args);
      const out = output(backend, [...shape]);
      addon.addN(
        xs.map((t) => view(backend, t)),
        view(backend, out),
      );
      return out;
    },
  };
}

/** Sum over every axis but the last (a bias gradient): rows × channels. */
function makeSum(addon: NativeAddon, backendName: string, fallbackOf: FallbackOf): tf.KernelConfig {
  const wasm = fallbackOf(tf.Sum);
  return {
    kernelName: tf.Sum,
    backendName,
    kernelFunc: (args) => {
      const { inputs, backend, attrs = {} } = args as unknown as Args;
      const { x } = inputs;
      const rank = x.shape.length;
      if (x.dtype !== 'float32' || rank < 2 || tf.util.sizeFromShape(x.shape) < NATIVE_ELEMENTWISE_MIN_SIZE) return wasm(args);
      const axes = tf.util.parseAxisParam(attrs.axis as number | number[], x.shape).sort((p, q) => p - q);
      if (axes.length !== rank - 1 || axes.some((ax, i) => ax !== i)) return wasm(args);
      const cols = x.shape[rank - 1];
      const rows = tf.util.sizeFromShape(x.shape) / cols;
      const shape = attrs.keepDims ? [...x.shape.slice(0, -1).map(() => 1), cols] : [cols];
      const out = output(backend, shape);
      addon.sumRows(view(backend, x), view(backend, out), [rows, cols]);
      return out;
    },
  };
}

interface PoolAttrs {
  filterSize: [number, number] | number;
  strides: [number, number] | number;
  pad: 'valid' | 'same' | number | tf.backend_util.ExplicitPadding;
  dimRoundingMode?: 'floor' | 'round' | 'ceil';
}

/** NHWC float32 input of a 2×2, stride-2, unpadded pool (floor: an odd last row/column is outside every window). */
function isPool2x2(input: tf.TensorInfo, attrs: PoolAttrs): boolean {
  if (input.dtype !== 'float32' || input.shape.length !== 4) return false;
  const info = tf.backend_util.computePool2DInfo(
    input.shape as [number, number, number, number],
    attrs.filterSize,
    attrs.strides,
    1,
    attrs.pad,
    attrs.dimRoundingMode,
  );
  return (
    info.filterHeight === 2 &&
    info.filterWidth === 2 &&
    info.strideHeight === 2 &&
    info.strideWidth === 2 &&
    info.padInfo.top === 0 &&
    info.padInfo.left === 0 &&
    info.outHeight === Math.floor(info.inHeight / 2) &&
    info.outWidth === Math.floor(info.inWidth / 2)
  );
}

function makeMaxPool(addon: NativeAddon, backendName: string, fallbackOf: FallbackOf): tf.KernelConfig {
  const wasm = fallbackOf(tf.MaxPool);
  return {
    kernelName: tf.MaxPool,
    backendName,
    kernelFunc: (args) => {
      const { inputs, backend, attrs } = args as unknown as Args;
      const { x } = inputs;
      if (!isPool2x2(x, attrs as unknown as PoolAttrs)) return wasm(args);
      const [n, h, w, c] = x.shape;
      const out = output(backend, [n, Math.floor(h / 2), Math.floor(w / 2), c]);
      addon.maxPool2x2(view(backend, x), view(backend, out), [n, h, w, c]);
      return out;
    },
  };
}

function makeMaxPoolGrad(addon: NativeAddon, backendName: string, fallbackOf: FallbackOf): tf.KernelConfig {
  const wasm = fallbackOf(tf.MaxPoolGrad);
  return {
    kernelName: tf.MaxPoolGrad,
    backendName,
    kernelFunc: (args) => {
      const { inputs, backend, attrs } = args as unknown as Args;
      const { dy, input } = inputs;
      if (dy.dtype !== 'float32' || !isPool2x2(input, attrs as unknown as PoolAttrs)) return wasm(args);
      const [n, h, w, c] = input.shape;
      const out = output(backend, [n, h, w, c]);
      addon.maxPoolGrad2x2(view(backend, input), view(backend, dy), view(backend, out), [n, h, w, c]);
      return out;
    },
  };
}

export function nativeElementwiseConfigs(addon: NativeAddon, backendName: string, fallbackOf: FallbackOf): tf.KernelConfig[] {
  return [
    ...Object.keys(BINARY_OPS).map((name) => makeBinary(addon, name, backendName, fallbackOf)),
    makeUnary(addon, tf.Relu, UNARY_OPS.relu, () => 0, backendName, fallbackOf),
    makeUnary(addon, tf.Step, UNARY_OPS.step, (attrs) => Number(attrs.alpha ?? 0), backendName, fallbackOf),
    makeCast(backendName, fallbackOf),
    makeAddN(addon, backendName, fallbackOf),
    makeSum(addon, backendName, fallbackOf),
    makeMaxPool(addon, backendName, fallbackOf),
    makeMaxPoolGrad(addon, backendName, fallbackOf),
  ];
}

export const NATIVE_ELEMENTWISE_KERNEL_NAMES: readonly string[] = [
  ...Object.keys(BINARY_OPS),
  tf.Relu,
  tf.Step,
  tf.Cast,
  tf.AddN,
  tf.Sum,
  tf.MaxPool,
  tf.MaxPoolGrad,
];

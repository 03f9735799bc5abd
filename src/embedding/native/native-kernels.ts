import * as tf from '@tensorflow/tfjs';
import { heapBackend } from '../kernels/heap-access';
import { NATIVE_ELEMENTWISE_KERNEL_NAMES, nativeElementwiseConfigs } from './native-elementwise';
import { NATIVE_ACTIVATIONS, type NativeAddon, type NativeConvShape } from './native-addon';

/**
 * tfjs kernels of the `native` backend (a tfjs-backend-wasm instance whose heavy
 * kernels run in native/): the addon reads the operands where they live, in the
 * wasm heap, and writes the output tensor there in place (no copies). Each one
 * hands anything it does not handle (non-float32, NCHW, PReLU, unusual
 * broadcasts) to the kernel it replaces (`fallbackOf`).
 *
 * Order matters: the output is allocated first, the input views taken after it,
 * because an allocation may grow the heap, which detaches earlier views.
 */
type Backend = unknown;
/** The inputs of the six kernels below, by tfjs's names (each kernel reads its own). */
interface Inputs {
  a: tf.TensorInfo;
  b: tf.TensorInfo;
  x: tf.TensorInfo;
  filter: tf.TensorInfo;
  dy: tf.TensorInfo;
  bias?: tf.TensorInfo;
  preluActivationWeights?: tf.TensorInfo;
}
type KernelArgs = { inputs: Inputs; backend: Backend; attrs?: tf.NamedAttrMap };

function floats(backend: Backend, t: tf.TensorInfo | undefined): Float32Array | undefined {
  if (!t || t.dtype !== 'float32') return undefined;
  const v = heapBackend(backend).typedArrayFromHeap(t);
  return v instanceof Float32Array ? v : undefined;
}

function isFloat(...ts: (tf.TensorInfo | undefined)[]): boolean {
  return ts.every((t) => t === undefined || t.dtype === 'float32');
}

/** A fresh float32 output in the heap, and its view. */
function output(backend: Backend, shape: number[]): { info: tf.TensorInfo; view: Float32Array } {
  const info = heapBackend(backend).makeOutput(shape, 'float32');
  return { info, view: heapBackend(backend).typedArrayFromHeap(info) as Float32Array };
}

function activationCode(name: unknown): number | undefined {
  if (name == null) return NATIVE_ACTIVATIONS.linear;
  return (NATIVE_ACTIVATIONS as Record<string, number>)[String(name)];
}

/** A bias the epilogue can add per output channel: shape [n] (or [1, …, 1, n]). */
function biasFits(bias: tf.TensorInfo | undefined, n: number): boolean {
  return (
    !bias ||
    (bias.dtype === 'float32' &&
      bias.shape.length > 0 &&
      bias.shape[bias.shape.length - 1] === n &&
      tf.util.sizeFromShape(bias.shape) === n)
  );
}

function channelBias(backend: Backend, bias: tf.TensorInfo | undefined, n: number): Float32Array | null | undefined {
  if (!bias) return null;
  return biasFits(bias, n) ? floats(backend, bias) : undefined;
}

export type FallbackOf = (kernelName: string) => tf.KernelFunc;

function matMul(
  addon: NativeAddon,
  backend: Backend,
  a: tf.TensorInfo,
  b: tf.TensorInfo,
  attrs: tf.NamedAttrMap,
  biasT: tf.TensorInfo | undefined,
  act: number,
  alpha: number,
): tf.TensorInfo | undefined {
  if (!isFloat(a, b, biasT) || a.shape.length < 2 || b.shape.length < 2) return undefined;
  const transA = Boolean(attrs.transposeA);
  const transB = Boolean(attrs.transposeB);
  const ra = a.shape.length;
  const rb = b.shape.length;
  const M = transA ? a.shape[ra - 1] : a.shape[ra - 2];
  const K = transA ? a.shape[ra - 2] : a.shape[ra - 1];
  const kb = transB ? b.shape[rb - 1] : b.shape[rb - 2];
  const N = transB ? b.shape[rb - 2] : b.shape[rb - 1];
  if (K !== kb) return undefined; // the cpu kernel raises tfjs's own error
  const batchA = tf.util.sizeFromShape(a.shape.slice(0, -2));
  const batchB = tf.util.sizeFromShape(b.shape.slice(0, -2));
  // Index broadcasting by `i % batch` is exact only when one side is a single matrix or both match.
  if (batchA !== batchB && batchA !== 1 && batchB !== 1) return undefined;
  const outer = tf.backend_util.assertAndGetBroadcastShape(a.shape.slice(0, -2), b.shape.slice(0, -2));
  if (tf.util.sizeFromShape(outer) !== Math.max(batchA, batchB)) return undefined;
  const batch = Math.max(batchA, batchB);
  const out = output(backend, [...outer, M, N]);
  const bias = channelBias(backend, biasT, N);
  if (bias === undefined) throw new Error('unsupported bias reached the native matmul');
  addon.matmul(
    floats(backend, a)!,
    floats(backend, b)!,
    out.view,
    [batch, M, N, K, transA ? 1 : 0, transB ? 1 : 0, batchA, batchB],
    bias,
    act,
    alpha,
  );
  return out.info;
}

function makeBatchMatMul(addon: NativeAddon, backendName: string, fallbackOf: FallbackOf): tf.KernelConfig {
  const cpu = fallbackOf(tf.BatchMatMul);
  return {
    kernelName: tf.BatchMatMul,
    backendName,
    kernelFunc: (args) => {
      const { inputs, backend, attrs } = args as unknown as KernelArgs;
      return matMul(addon, backend, inputs.a, inputs.b, attrs ?? {}, undefined, 0, 0) ?? cpu(args);
    },
  };
}

function makeFusedMatMul(addon: NativeAddon, backendName: string, fallbackOf: FallbackOf): tf.KernelConfig {
  const cpu = fallbackOf(tf._FusedMatMul);
  return {
    kernelName: tf._FusedMatMul,
    backendName,
    kernelFunc: (args) => {
      const { inputs, backend, attrs = {} } = args as unknown as KernelArgs;
      const act = activationCode(attrs.activation);
      const n = attrs.transposeB ? inputs.b.shape[inputs.b.shape.length - 2] : inputs.b.shape[inputs.b.shape.length - 1];
      if (act === undefined || !biasFits(inputs.bias, n) || inputs.preluActivationWeights) return cpu(args);
      return matMul(addon, backend, inputs.a, inputs.b, attrs, inputs.bias, act, Number(attrs.leakyreluAlpha ?? 0.2)) ?? cpu(args);
    },
  };
}

function convShape(info: tf.backend_util.Conv2DInfo): NativeConvShape | undefined {
  if (info.dataFormat !== 'channelsLast' || info.padInfo.top < 0 || info.padInfo.left < 0) return undefined;
  return [
    info.batchSize,
    info.inHeight,
    info.inWidth,
    info.inChannels,
    info.filterHeight,
    info.filterWidth,
    info.strideHeight,
    info.strideWidth,
    info.dilationHeight,
    info.dilationWidth,
    info.padInfo.top,
    info.padInfo.left,
    info.outHeight,
    info.outWidth,
    info.outChannels,
  ];
}

type ConvAttrs = {
  strides: number | [number, number];
  pad: 'valid' | 'same' | number | tf.backend_util.ExplicitPadding;
  dataFormat?: 'NHWC' | 'NCHW';
  dilations?: number | [number, number];
  dimRoundingMode?: 'floor' | 'round' | 'ceil';
};

function forwardConv(
  addon: NativeAddon,
  backend: Backend,
  x: tf.TensorInfo,
  filter: tf.TensorInfo,
  attrs: ConvAttrs,
  biasT: tf.TensorInfo | undefined,
  act: number,
  alpha: number,
): tf.TensorInfo | undefined {
  if (!isFloat(x, filter, biasT) || x.shape.length !== 4 || filter.shape.length !== 4 || (attrs.dataFormat ?? 'NHWC') !== 'NHWC')
    return undefined;
  const info = tf.backend_util.computeConv2DInfo(
    x.shape as [number, number, number, number],
    filter.shape as [number, number, number, number],
    attrs.strides,
    attrs.dilations ?? 1,
    attrs.pad,
    attrs.dimRoundingMode,
    false,
    'channelsLast',
  );
  const shape = convShape(info);
  if (!shape) return undefined;
  const out = output(backend, info.outShape);
  const bias = channelBias(backend, biasT, info.outChannels);
  if (bias === undefined) throw new Error('unsupported bias reached the native conv2d');
  addon.conv2d(floats(backend, x)!, floats(backend, filter)!, out.view, shape, bias, act, alpha);
  return out.info;
}

function makeConv2d(addon: NativeAddon, backendName: string, fallbackOf: FallbackOf): tf.KernelConfig {
  const cpu = fallbackOf(tf.Conv2D);
  return {
    kernelName: tf.Conv2D,
    backendName,
    kernelFunc: (args) => {
      const { inputs, backend, attrs } = args as unknown as KernelArgs;
      return forwardConv(addon, backend, inputs.x, inputs.filter, attrs as unknown as ConvAttrs, undefined, 0, 0) ?? cpu(args);
    },
  };
}

function makeFusedConv2d(addon: NativeAddon, backendName: string, fallbackOf: FallbackOf): tf.KernelConfig {
  const cpu = fallbackOf(tf.FusedConv2D);
  return {
    kernelName: tf.FusedConv2D,
    backendName,
    kernelFunc: (args) => {
      const { inputs, backend, attrs = {} } = args as unknown as KernelArgs;
      const act = activationCode(attrs.activation);
      if (act === undefined || !biasFits(inputs.bias, inputs.filter.shape[3]) || inputs.preluActivationWeights) return cpu(args);
      return (
        forwardConv(
          addon,
          backend,
          inputs.x,
          inputs.filter,
          attrs as unknown as ConvAttrs,
          inputs.bias,
          act,
          Number(attrs.leakyreluAlpha ?? 0.2),
        ) ?? cpu(args)
      );
    },
  };
}

function makeConv2dBackpropInput(addon: NativeAddon, backendName: string, fallbackOf: FallbackOf): tf.KernelConfig {
  const cpu = fallbackOf(tf.Conv2DBackpropInput);
  return {
    kernelName: tf.Conv2DBackpropInput,
    backendName,
    kernelFunc: (args) => {
      const { inputs, backend, attrs } = args as unknown as KernelArgs;
      const a = attrs as unknown as ConvAttrs & { inputShape: [number, number, number, number] };
      if (!isFloat(inputs.dy, inputs.filter) || (a.dataFormat ?? 'NHWC') !== 'NHWC') return cpu(args);
      const info = tf.backend_util.computeConv2DInfo(
        a.inputShape,
        inputs.filter.shape as [number, number, number, number],
        a.strides,
        1,
        a.pad,
        a.dimRoundingMode,
        false,
        'channelsLast',
      );
      const shape = convShape(info);
      if (!shape || info.outHeight !== inputs.dy.shape[1] || info.outWidth !== inputs.dy.shape[2]) return cpu(args);
      const dx = output(backend, [...a.inputShape]);
      addon.conv2dBackpropInput(floats(backend, inputs.dy)!, floats(backend, inputs.filter)!, dx.view, shape);
      return dx.info;
    },
  };
}

function makeConv2dBackpropFilter(addon: NativeAddon, backendName: string, fallbackOf: FallbackOf): tf.KernelConfig {
  const cpu = fallbackOf(tf.Conv2DBackpropFilter);
  return {
    kernelName: tf.Conv2DBackpropFilter,
    backendName,
    kernelFunc: (args) => {
      const { inputs, backend, attrs } = args as unknown as KernelArgs;
      const a = attrs as unknown as ConvAttrs & { filterShape: [number, number, number, number] };
      if (!isFloat(inputs.x, inputs.dy) || (a.dataFormat ?? 'NHWC') !== 'NHWC') return cpu(args);
      const info = tf.backend_util.computeConv2DInfo(
        inputs.x.shape as [number, number, number, number],
        a.filterShape,
        a.strides,
        1,
        a.pad,
        a.dimRoundingMode,
        false,
        'channelsLast',
      );
      const shape = convShape(info);
      if (!shape || info.outHeight !== inputs.dy.shape[1] || info.outWidth !== inputs.dy.shape[2]) return cpu(args);
      const dw = output(backend, [...a.filterShape]);
      addon.conv2dBackpropFilter(floats(backend, inputs.x)!, floats(backend, inputs.dy)!, dw.view, shape);
      return dw.info;
    },
  };
}

/** The kernels the native backend replaces, in the order README.md lists them. */
export function nativeKernelConfigs(addon: NativeAddon, backendName: string, fallbackOf: FallbackOf): tf.KernelConfig[] {
  return [
    ...nativeElementwiseConfigs(addon, backendName, fallbackOf),
    makeBatchMatMul(addon, backendName, fallbackOf),
    makeFusedMatMul(addon, backendName, fallbackOf),
    makeConv2d(addon, backendName, fallbackOf),
    makeFusedConv2d(addon, backendName, fallbackOf),
    makeConv2dBackpropInput(addon, backendName, fallbackOf),
    makeConv2dBackpropFilter(addon, backendName, fallbackOf),
  ];
}

export const NATIVE_KERNEL_NAMES: readonly string[] = [
  ...NATIVE_ELEMENTWISE_KERNEL_NAMES,
  tf.BatchMatMul,
  tf._FusedMatMul,
  tf.Conv2D,
  tf.FusedConv2D,
  tf.Conv2DBackpropInput,
  tf.Conv2DBackpropFilter,
];

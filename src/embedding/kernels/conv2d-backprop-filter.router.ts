import * as tf from '@tensorflow/tfjs';
import { conv2dBackpropFilterGemm, type Conv2dBackpropFilterAttrs } from './conv2d-backprop-filter-gemm.kernel';
import { conv2dBackpropFilterGrid, gridApplies } from './conv2d-backprop-filter-grid.kernel';
import { conv2dBackpropFilterImpl } from './conv2d-backprop-filter-taps-conv.kernel';
import { GRID_MIN_IN_CHANNELS } from './dispatch-thresholds';
import { withRunner } from './kernel-utils';
import { simdKernels } from './simd-module';
import { type WinogradShape, winogradShapeOf } from './winograd-conv2d.kernel';
import { winogradFilterGrad } from './winograd-filter-grad.kernel';

/**
 * The project's Conv2DBackpropFilter on wasm: chooses, per call, which of four
 * implementations computes the filter gradient (tfjs-backend-wasm 4.22 has
 * none: tensorflow/tfjs#8474). First match wins:
 *
 * 1. 'winograd'  (winograd-filter-grad.kernel.ts): NHWC float32, stride 1,
 *    3×3 filter, ≥ WINOGRAD_MIN_CHANNELS input and output channels (multiples
 *    of SIMD_CHANNEL_MULTIPLE), output ≥ WINOGRAD_MIN_OUTPUT_SIZE, and the SIMD
 *    module instantiated on this backend.
 * 2. 'grid'      (conv2d-backprop-filter-grid.kernel.ts): NHWC float32,
 *    stride 1, ≥ GRID_MIN_IN_CHANNELS input channels.
 * 3. 'gemm'      (conv2d-backprop-filter-gemm.kernel.ts): any other NHWC float32.
 * 4. 'taps-conv' (conv2d-backprop-filter-taps-conv.kernel.ts): NCHW or
 *    non-float32, the original composite of Transpose/StridedSlice/MatMul or Conv2D.
 *
 * Thresholds live in dispatch-thresholds.ts, with the measurements behind them.
 */
export type Conv2dBackpropFilterRoute =
  { kind: 'winograd'; shape: WinogradShape } | { kind: 'grid' } | { kind: 'gemm' } | { kind: 'taps-conv' };

/** Shape and dtype of an operand: the router reads nothing else. */
type Operand = Pick<tf.TensorInfo, 'shape' | 'dtype'>;

/**
 * Which implementation serves this call. Pure apart from `hasSimd`, which is
 * asked only when the Winograd shape test passes (instantiating the SIMD
 * module is not free, and most calls do not need it).
 */
export function routeConv2dBackpropFilter(
  x: Operand,
  dy: Operand,
  attrs: Conv2dBackpropFilterAttrs,
  hasSimd: () => boolean,
): Conv2dBackpropFilterRoute {
  const nhwcFloat32 = attrs.dataFormat !== 'NCHW' && x.dtype === 'float32' && dy.dtype === 'float32';
  const grid = gridApplies(x, dy, attrs) && attrs.filterShape[2] >= GRID_MIN_IN_CHANNELS;
  const wino = grid ? winogradShapeOf(x.shape, attrs.filterShape, attrs) : undefined;
  if (wino && hasSimd()) return { kind: 'winograd', shape: wino };
  if (grid) return { kind: 'grid' };
  if (nhwcFloat32) return { kind: 'gemm' };
  return { kind: 'taps-conv' };
}

/**
 * The kernel config registered for Conv2DBackpropFilter. `overrides` are the
 * kernel functions the composite forms call instead of the registry's (the
 * original plain BatchMatMul, so they do not re-enter our wrappers).
 */
export function makeConv2dBackpropFilterRouterConfig(
  backendName: string,
  overrides: Partial<Record<string, tf.KernelFunc>> = {},
): tf.KernelConfig {
  return {
    kernelName: tf.Conv2DBackpropFilter,
    backendName,
    kernelFunc: ({ inputs, backend, attrs }) => {
      const { x, dy } = inputs as { x: tf.TensorInfo; dy: tf.TensorInfo };
      const a = attrs as unknown as Conv2dBackpropFilterAttrs;
      const route = routeConv2dBackpropFilter(x, dy, a, () => simdKernels(backend) !== undefined);
      if (route.kind === 'winograd') return winogradFilterGrad(backend, x, dy, route.shape);
      return withRunner(
        backend,
        backendName,
        (r) =>
          route.kind === 'grid'
            ? conv2dBackpropFilterGrid(r, x, dy, a)
            : route.kind === 'gemm'
              ? conv2dBackpropFilterGemm(r, x, dy, a)
              : conv2dBackpropFilterImpl(r, x, dy, a),
        overrides,
      );
    },
  };
}

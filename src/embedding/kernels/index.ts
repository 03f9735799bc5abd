import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { makeBatchMatMulConfig } from './batch-matmul.kernel';
import { makeBatchMatMulKChunkConfig, makeFusedMatMulKChunkConfig } from './batch-matmul-kchunk.kernel';
import { makeConv2dBackpropFilterRouterConfig } from './conv2d-backprop-filter.router';
import { makeConv2dBackpropInputConfig } from './conv2d-backprop-input.kernel';
import { makeIdentityConfig } from './identity.kernel';
import { makeMaxPoolGradConfig } from './max-pool-grad.kernel';
import { makeMaxPoolGrad2x2Config } from './max-pool-grad-2x2.kernel';
import { makeSumConfig } from './sum.kernel';
import { makeWinogradConv2dConfig, makeWinogradFusedConv2dConfig } from './winograd-conv2d.kernel';
import { simdKernels } from './simd-module';

/**
 * The project's extra kernels, so training runs end to end on the wasm backend
 * and its gradient kernels run on XNNPACK instead of direct loops:
 *
 * - Conv2DBackpropFilter: missing from tfjs-backend-wasm 4.22 (tensorflow/tfjs#8474).
 * - Conv2DBackpropInput: replaced (the wasm one is a direct loop, ~10× slower than Conv2D).
 * - BatchMatMul with transposeA/transposeB: rewritten onto the plain A·B kernel.
 * - Identity: shares the buffer instead of copying it (the engine clones every
 *   tensor it saves for backprop).
 * - MaxPoolGrad and Sum over leading axes (bias gradients): loops over the
 *   wasm heap (wasm SIMD from simd.ir.ts when channels are a multiple of 4,
 *   else JavaScript), several times faster than the wasm kernels for these shapes.
 * - Conv2D and FusedConv2D with 3×3 filters, stride 1 and ≥ 16 channels
 *   (multiples of 4): Winograd F(4×4, 3×3) (winograd-conv2d.kernel.ts),
 *   ~1.8× faster than XNNPACK's direct convolution; Conv2DBackpropInput
 *   runs on it too, and Conv2DBackpropFilter of those layers on F(3×3, 4×4)
 *   (winograd-filter-grad.kernel.ts).
 *
 * Which implementation serves which call, the thresholds that decide it
 * (dispatch-thresholds.ts), the measured gains and the tests: README.md here.
 *
 * The SIMD parts run in our own small wasm module (simd-module.ts) instantiated
 * on tfjs-backend-wasm's memory; without it (no wasm SIMD, or a backend that
 * does not expose its memory) every kernel falls back to the previous path.
 *
 * The other gradients our layers need (AvgPoolGrad, Relu via Step,
 * batch-norm and the L2/group-norm layers via elementwise ops and reductions)
 * exist on wasm; test/embedding/wasm-kernels.test.ts checks one SGD step of a
 * small conv net on wasm against cpu, and test/training/trainer.test.ts trains on wasm.
 *
 * Idempotent; call before or after the backend is initialised.
 */
let registered = false;

export function registerExtraKernels(): void {
  if (registered) return;
  registered = true;
  const backendName = 'wasm';
  const originalMatMul = tf.getKernel(tf.BatchMatMul, backendName);
  if (!originalMatMul) throw new Error('tfjs-backend-wasm did not register BatchMatMul');
  const plainMatMul = originalMatMul.kernelFunc;
  // Long reduction axes in K-chunks (batch-matmul-kchunk.kernel.ts), transposes rewritten (batch-matmul.kernel.ts).
  replaceKernel(makeBatchMatMulKChunkConfig(backendName, makeBatchMatMulConfig(backendName, originalMatMul), plainMatMul));
  const originalFused = tf.getKernel(tf._FusedMatMul, backendName);
  if (originalFused) replaceKernel(makeFusedMatMulKChunkConfig(backendName, originalFused, plainMatMul));
  const originalIdentity = tf.getKernel(tf.Identity, backendName);
  if (originalIdentity) replaceKernel(makeIdentityConfig(backendName, originalIdentity));
  const originalSum = tf.getKernel(tf.Sum, backendName);
  if (originalSum) replaceKernel(makeSumConfig(backendName, originalSum));
  // 2×2/stride-2 pools take a straight-line path (max-pool-grad-2x2.kernel.ts), others the general loop.
  replaceKernel(makeMaxPoolGrad2x2Config(backendName, makeMaxPoolGradConfig(backendName)));
  // Winograd for 3×3/stride-1 convolutions, where the backend exposes its memory to our SIMD transforms.
  const originalConv = tf.getKernel(tf.Conv2D, backendName);
  const originalFusedConv = tf.getKernel(tf.FusedConv2D, backendName);
  if (originalConv) replaceKernel(makeWinogradConv2dConfig(backendName, originalConv, simdKernels));
  if (originalFusedConv) replaceKernel(makeWinogradFusedConv2dConfig(backendName, originalFusedConv, simdKernels));
  const overrides = { BatchMatMul: plainMatMul };
  // Winograd, grid, gathered-GEMM or taps/conv form, chosen per call (conv2d-backprop-filter.router.ts).
  replaceKernel(makeConv2dBackpropFilterRouterConfig(backendName, overrides));
  replaceKernel(makeConv2dBackpropInputConfig(backendName, overrides));
}

function replaceKernel(config: tf.KernelConfig): void {
  if (tf.getKernel(config.kernelName, config.backendName)) {
    tf.unregisterKernel(config.kernelName, config.backendName);
  }
  tf.registerKernel(config);
}

export * from './dispatch-thresholds';
export { routeConv2dBackpropFilter, type Conv2dBackpropFilterRoute } from './conv2d-backprop-filter.router';
export { conv2dBackpropFilterImpl } from './conv2d-backprop-filter-taps-conv.kernel';
export { conv2dBackpropFilterGemm } from './conv2d-backprop-filter-gemm.kernel';
export { conv2dBackpropFilterGrid, gridApplies } from './conv2d-backprop-filter-grid.kernel';
export { winogradConv2d, winogradShape, winogradShapeOf } from './winograd-conv2d.kernel';
export { winogradFilterGrad } from './winograd-filter-grad.kernel';
export { conv2dBackpropInputImpl } from './conv2d-backprop-input.kernel';
export { KernelRunner, withRunner } from './kernel-utils';

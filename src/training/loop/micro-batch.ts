/**
 * How many contrastive pairs go through the gradient tape at once (train-step.ts's micro-batches).
 *
 * tfjs-backend-wasm keeps every tensor in one WebAssembly heap, and in practice a training step aborts with
 * "memory access out of bounds" once its activations pass about 2 GiB (measured here, session 35, the `fast`
 * backbone with 64 channels in its first block, 32 pairs = 64 images per step, Omniglot trunk, CEDAR signatures:
 * 224×112 trains, 224×128 and 224×144 abort on wasm and on the native kernels, which share that heap). The
 * working point, 64 images × 224 × 112 × 64 channels = 102,760,448 values in the largest layer output, is the bound:
 * a step whose images × largest layer output exceeds it is split into micro-batches that stay within it. Steps
 * within it (every recipe trained before session 35) run as one batch, exactly as before. Backends outside that
 * heap (tfjs-node) are not split unless asked (`--micro-batch`).
 */
import * as tf from '@tensorflow/tfjs';

/** Images × values of the largest layer output that one wasm training step held (see above). */
export const WASM_STEP_ACTIVATION_BOUND = 64 * 224 * 112 * 64;

/** Backends whose tensors live in the wasm heap. */
const HEAP_BOUND_BACKENDS = new Set(['wasm', 'native']);

/** The largest layer output of one image (values), over the model's layers. */
export function largestActivation(model: tf.LayersModel): number {
  let largest = 0;
  for (const layer of model.layers) {
    const shapes = (Array.isArray(layer.outputShape[0]) ? layer.outputShape : [layer.outputShape]) as (number | null)[][];
    for (const shape of shapes)
      largest = Math.max(
        largest,
        shape.slice(1).reduce<number>((p, d) => p * (d ?? 1), 1),
      );
  }
  return largest;
}

export interface MicroBatchChoice {
  /** Pairs per pass through the tape; undefined = the whole batch at once. */
  pairs?: number;
  /** Why, for the log and the card. */
  reason: 'asked' | 'wasm heap' | 'fits';
}

/**
 * The micro-batch for a contrastive step of `batchPairs` pairs: `asked` when given (--micro-batch), else split on a
 * heap-bound backend when 2 × batchPairs images × the largest layer output pass WASM_STEP_ACTIVATION_BOUND.
 */
export function chooseMicroBatch(batchPairs: number, activation: number, backend: string, asked?: number): MicroBatchChoice {
  if (asked !== undefined) return asked < batchPairs ? { pairs: asked, reason: 'asked' } : { reason: 'fits' };
  if (!HEAP_BOUND_BACKENDS.has(backend) || 2 * batchPairs * activation <= WASM_STEP_ACTIVATION_BOUND) return { reason: 'fits' };
  return { pairs: Math.max(1, Math.floor(WASM_STEP_ACTIVATION_BOUND / (2 * activation))), reason: 'wasm heap' };
}

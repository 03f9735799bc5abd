/**
 * How many contrastive pairs go through the gradient tape at once (train-step.ts's micro-batches).
 *
 * tfjs-backend-wasm keeps every tensor in one WebAssembly heap. The heap may grow to 4 GiB (its getHeapMax), yet a
 * training step aborts with "memory access out of bounds" well before its tensors could fill that: measured here
 * (session 35; the `fast` backbone with 64 channels in its first block, 32 pairs = 64 images a step, Omniglot trunk,
 * CEDAR signatures), 224×112 trains while 224×128 and 224×144 abort, on the wasm backend and on the native kernels,
 * which share its heap. Where exactly between the two the limit lies was not measured; the working point,
 * 64 images × 224 × 112 × 64 channels = 102,760,448 values in the largest layer output, is taken as the bound: a step
 * whose images × largest layer output exceeds it is split into equal micro-batches that stay within it. Steps within
 * it (every recipe trained before session 35) run as one batch, exactly as before. Backends outside that heap
 * (tfjs-node) are not split unless asked (`--micro-batch`). Encoders with batch normalisation are never split
 * automatically: each part would normalise with its own batch statistics, a different step (asked, it is refused).
 */
import * as tf from '@tensorflow/tfjs';
import { DomainError, ErrorCode } from '../../errors';
import type { TrainOptions } from '../train-options';

/** Images × values of the largest layer output that one wasm training step held (see above). */
export const WASM_STEP_ACTIVATION_BOUND = 64 * 224 * 112 * 64;

/** Backends whose tensors live in the wasm heap. */
const HEAP_BOUND_BACKENDS = new Set(['wasm', 'native']);

type LayerLike = { outputShape: tf.Shape | tf.Shape[]; getClassName(): string; layers?: LayerLike[] };

/** Every layer of the model, nested models' layers included (a warm start from an ensemble nests its members). */
function allLayers(layers: readonly LayerLike[]): LayerLike[] {
  return layers.flatMap((l) => [l, ...(l.layers ? allLayers(l.layers) : [])]);
}

/** The largest layer output of one image (values), over the model's layers, nested ones included. */
export function largestActivation(model: tf.LayersModel): number {
  let largest = 0;
  for (const layer of allLayers(model.layers as unknown as LayerLike[])) {
    const shapes = (Array.isArray(layer.outputShape[0]) ? layer.outputShape : [layer.outputShape]) as (number | null)[][];
    for (const shape of shapes)
      largest = Math.max(
        largest,
        shape.slice(1).reduce<number>((p, d) => p * (d ?? 1), 1),
      );
  }
  return largest;
}

/** Whether any layer (nested ones included) normalises by batch statistics. */
export function hasBatchNormalization(model: tf.LayersModel): boolean {
  return allLayers(model.layers as unknown as LayerLike[]).some((l) => l.getClassName() === 'BatchNormalization');
}

export interface MicroBatchChoice {
  /** Pairs per pass through the tape; undefined = the whole batch at once. */
  pairs?: number;
  /** Why, for the log and the card. 'batch norm': a split was needed but the encoder cannot be split. */
  reason: 'asked' | 'wasm heap' | 'fits' | 'batch norm';
}

/**
 * The micro-batch for a contrastive step of `batchPairs` pairs: `asked` when given (--micro-batch), else split on a
 * heap-bound backend when 2 × batchPairs images × the largest layer output pass WASM_STEP_ACTIVATION_BOUND, into
 * the fewest equal parts that stay within it (32 pairs that allow 24 a part run as 16 + 16: the same passes, a lower peak).
 */
export function chooseMicroBatch(
  batchPairs: number,
  activation: number,
  backend: string,
  asked?: number,
  batchNorm = false,
): MicroBatchChoice {
  if (asked !== undefined) return asked < batchPairs ? { pairs: asked, reason: 'asked' } : { reason: 'fits' };
  if (!HEAP_BOUND_BACKENDS.has(backend) || 2 * batchPairs * activation <= WASM_STEP_ACTIVATION_BOUND) return { reason: 'fits' };
  if (batchNorm) return { reason: 'batch norm' };
  const most = Math.max(1, Math.floor(WASM_STEP_ACTIVATION_BOUND / (2 * activation)));
  return { pairs: Math.ceil(batchPairs / Math.ceil(batchPairs / most)), reason: 'wasm heap' };
}

/** Contrastive pairs per pass through the tape (micro-batch.ts), checked against the loss and the encoder, and logged. */
export function microBatchFor(
  model: tf.LayersModel,
  options: Pick<TrainOptions, 'microBatch' | 'loss' | 'batchSize'>,
  log: (message: string) => void,
  backend = tf.getBackend(),
): MicroBatchChoice {
  const asked = options.microBatch;
  if (asked !== undefined && (!Number.isInteger(asked) || asked < 1))
    throw new DomainError(ErrorCode.BAD_USER_INPUT, `--micro-batch must be a positive integer (got ${asked})`);
  if (asked !== undefined && options.loss !== 'contrastive')
    throw new DomainError(
      ErrorCode.BAD_USER_INPUT,
      `--micro-batch needs --loss contrastive (a mean over independent pairs); ${options.loss} batches mine within the whole batch`,
    );
  if (options.loss !== 'contrastive') return { reason: 'fits' };
  const batchNorm = hasBatchNormalization(model);
  if (asked !== undefined && asked < options.batchSize && batchNorm)
    throw new DomainError(
      ErrorCode.BAD_USER_INPUT,
      '--micro-batch with batch normalisation would normalise each part by its own statistics (a different step): use --norm group, instance or none',
    );
  const micro = chooseMicroBatch(options.batchSize, largestActivation(model), backend, asked, batchNorm);
  if (micro.reason === 'batch norm')
    log(
      `warning: a step of ${options.batchSize} pairs may pass what the ${backend} backend's heap holds, and an encoder ` +
        'with batch normalisation cannot be split into micro-batches; lower --batch or --input-size if it aborts',
    );
  if (micro.pairs !== undefined)
    log(
      `micro-batches of ${micro.pairs} pairs, gradients summed into one step of ${options.batchSize} ` +
        (micro.reason === 'asked' ? '(--micro-batch)' : `(a whole step would pass what the ${backend} backend's heap holds)`),
    );
  return micro;
}

/**
 * A step that overran the wasm heap aborts the module with a bare RuntimeError ("memory access out of bounds");
 * say what ran out and what to change instead. The module is unusable afterwards, so the run ends either way.
 */
export function heapChecked<T>(step: () => T, items: number, microBatch: number | undefined, itemLabel: string): T {
  try {
    return step();
  } catch (e) {
    if (!/memory access out of bounds/.test(String(e))) throw e;
    throw new DomainError(
      ErrorCode.OPERATION_NOT_SUPPORTED,
      `a training step of ${microBatch ?? items} ${itemLabel} at once ran out of the ${tf.getBackend()} backend's memory (${String(e)}); ` +
        `lower --micro-batch (contrastive), --batch or --input-size, or train on tfjs-node`,
    );
  }
}

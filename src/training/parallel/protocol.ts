import type { ArchitectureSpec } from '../../embedding/model-card';
import type { Metric } from '../../metric/metric';

/**
 * Messages between DataParallelTrainer (main thread) and its gradient workers.
 *
 * Shared memory (SharedArrayBuffer, float32, P = number of trainable parameters
 * laid out flat in the model's trainableWeights order):
 * - `weights` [P]: the current weights, written by the apply phase;
 * - `grads[k]` [P]: worker k's gradient contribution (already scaled by its
 *   share of the batch, so Σₖ grads[k] is the batch-mean gradient).
 */
export interface WorkerInit {
  type: 'init';
  id: number;
  index: number;
  workers: number;
  backend: string;
  arch: ArchitectureSpec;
  input: { height: number; width: number; channels: number };
  seed?: number;
  loss: { margin: number; metric: Metric };
  adam: { beta1: number; beta2: number; epsilon?: number };
  microBatch: number;
}

/** Sent once the main thread knows the parameter count (from the first `ready`). */
export interface WorkerAttach {
  type: 'attach';
  id: number;
  weights: SharedArrayBuffer;
  grads: SharedArrayBuffer[];
  /** When true, this worker writes its initial weights to `weights` (worker 0 seeds the replicas). */
  publishWeights: boolean;
}

export interface GradsJob {
  type: 'grads';
  id: number;
  /** Reload the replica's weights from shared memory before computing (after an apply). */
  reload: boolean;
  /** [n, H, W, C] images of the first and second tower, row-major. */
  a: Float32Array;
  b: Float32Array;
  same: boolean[];
  /** n / batch: this worker's share of the batch-mean loss. */
  scale: number;
}

export interface ApplyJob {
  type: 'apply';
  id: number;
  /** 1-based Adam step. */
  step: number;
  learningRate: number;
}

export type ToGradWorker = WorkerInit | WorkerAttach | GradsJob | ApplyJob | { type: 'reload'; id: number } | { type: 'close' };

export type FromGradWorker =
  | { type: 'ready'; id: number; sizes: number[]; names: string[]; backend: string }
  | { type: 'done'; id: number; loss?: number; phases?: PhaseTimes }
  | { type: 'error'; id: number; message: string; stack?: string };

/** Wall time of a worker's phases in one step (ms), for profiling. */
export interface PhaseTimes {
  reload: number;
  gradients: number;
  exchange: number;
}

/** [from, to) of worker k's shard of P parameters (contiguous, sizes differ by at most 1). */
export function shardRange(total: number, workers: number, k: number): [number, number] {
  const base = Math.floor(total / workers);
  const extra = total % workers;
  const from = k * base + Math.min(k, extra);
  return [from, from + base + (k < extra ? 1 : 0)];
}

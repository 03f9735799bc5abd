import * as tf from '@tensorflow/tfjs';
import { timeRuns } from './stats';

/**
 * Matrix-multiply throughput of the current tfjs backend: 2·m·k·n FLOPs per
 * product, timed including the read-back (dataSync) so lazy backends cannot
 * flatter it. The shapes: a large square product, and the products the seed
 * network's dense layer really runs (batch 64 and 128 × 67712 → 512), because
 * the wasm backend's speed depends strongly on the shape.
 */
export interface MatMulShape {
  m: number;
  k: number;
  n: number;
}

export const PEAK_SHAPES: MatMulShape[] = [
  { m: 1024, k: 1024, n: 1024 },
  { m: 128, k: 67712, n: 512 },
  { m: 512, k: 4096, n: 1024 },
];

export interface MatMulResult extends MatMulShape {
  gflops: number;
  msPerRun: number;
}

export async function measureMatMul(shape: MatMulShape, budgetMs: number): Promise<MatMulResult> {
  const a = tf.randomNormal([shape.m, shape.k]);
  const b = tf.randomNormal([shape.k, shape.n]);
  try {
    const times = await timeRuns(() => tf.tidy(() => tf.matMul(a, b).dataSync()), {
      minReps: 2,
      minMs: budgetMs / 2,
      maxMs: budgetMs,
    });
    const ms = times.reduce((x, y) => x + y, 0) / times.length;
    return { ...shape, gflops: (2 * shape.m * shape.k * shape.n) / (ms / 1000) / 1e9, msPerRun: ms };
  } finally {
    a.dispose();
    b.dispose();
  }
}

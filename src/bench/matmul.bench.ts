import * as tf from '@tensorflow/tfjs';
import { timeRuns } from './stats';

/**
 * Matrix-multiply throughput of the current tfjs backend: 2·m·k·n FLOPs per
 * product, timed including the read-back (dataSync) so lazy backends cannot
 * flatter it. The wasm backend's speed depends strongly on the shape and the
 * op, so the peak is the best of:
 * - tf.matMul: a large square product, the seed dense layer's product
 *   (128 × 67712 → 512) and a mid-size one;
 * - the seed net's second convolution (3×3, 64 → 128 on 49×49, batch 64) with
 *   fused ReLU, which XNNPACK runs as an implicit GEMM with
 *   m = 64·47·47, k = 3·3·64, n = 128.
 */
export interface MatMulShape {
  op: 'matMul' | 'conv2d';
  m: number;
  k: number;
  n: number;
}

export const PEAK_SHAPES: MatMulShape[] = [
  { op: 'matMul', m: 1024, k: 1024, n: 1024 },
  { op: 'matMul', m: 128, k: 67712, n: 512 },
  { op: 'matMul', m: 512, k: 4096, n: 1024 },
  { op: 'conv2d', m: 64 * 47 * 47, k: 3 * 3 * 64, n: 128 },
];

export interface MatMulResult extends MatMulShape {
  gflops: number;
  msPerRun: number;
}

export async function measureMatMul(shape: MatMulShape, budgetMs: number): Promise<MatMulResult> {
  const operands =
    shape.op === 'matMul'
      ? [tf.randomNormal([shape.m, shape.k]), tf.randomNormal([shape.k, shape.n])]
      : [tf.randomNormal([64, 49, 49, 64]), tf.randomNormal([3, 3, 64, 128], 0, 0.05), tf.zeros([128])];
  const run =
    shape.op === 'matMul'
      ? () => readBack(() => tf.matMul(operands[0], operands[1]))
      : () =>
          readBack(() =>
            tf.fused.conv2d({
              x: operands[0] as tf.Tensor4D,
              filter: operands[1] as tf.Tensor4D,
              strides: 1,
              pad: 'valid',
              bias: operands[2],
              activation: 'relu',
            }),
          );
  try {
    const times = await timeRuns(run, { minReps: 2, minMs: budgetMs / 2, maxMs: budgetMs });
    const ms = times.reduce((x, y) => x + y, 0) / times.length;
    return { ...shape, gflops: (2 * shape.m * shape.k * shape.n) / (ms / 1000) / 1e9, msPerRun: ms };
  } finally {
    tf.dispose(operands);
  }
}

/**
 * Runs `op`, reads its result back and frees it. Not `tf.tidy(() => y.dataSync())`:
 * tidy walks whatever its callback returns looking for tensors, element by
 * element for a typed array, which for an 18M-float result costs seconds and
 * made a 0.13 s convolution look like 3 s.
 */
export function readBack(op: () => tf.Tensor): void {
  const y = tf.tidy(op);
  try {
    y.dataSync();
  } finally {
    y.dispose();
  }
}

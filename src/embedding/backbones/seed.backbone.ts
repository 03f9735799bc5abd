import * as tf from '@tensorflow/tfjs';
import { L2Normalize } from '../layers';
import { type BackboneContext, normLayer } from './backbone-kit';

/**
 * `seed`: the classic Siamese tutorial encoder, kept layer for layer so its
 * speed can be compared with the PyTorch peer (../shared/peers/torch_seed_speed.py):
 *
 *   conv 64@3×3 valid → ReLU → maxpool 2 → conv 128@3×3 valid → ReLU → maxpool 2
 *   → flatten → dense embeddingDim (512 in the tutorial) ReLU
 *
 * Designed for 100×100×1. A normalisation other than 'none' goes after each
 * conv (before the ReLU); `l2Normalize` appends an L2Normalize layer.
 */
export function buildSeed(ctx: BackboneContext): tf.LayersModel {
  const { height, width, channels } = ctx.input;
  const input = tf.input({ shape: [height, width, channels], name: 'image' });
  let x: tf.SymbolicTensor = input;
  for (const filters of [64, 128]) {
    const norm = normLayer(ctx.arch.normalization, filters, ctx.arch.params);
    // Without a norm the ReLU lives in the conv: tfjs then runs the fused
    // conv+bias+ReLU kernel at inference and, under a gradient tape, plain
    // ops whose gradient skips dx of the image (the fused kernel's gradient
    // computes it eagerly: ~1 s per seed-net step at batch 64 pairs).
    x = tf.layers
      .conv2d({
        filters,
        kernelSize: 3,
        padding: 'valid',
        useBias: !norm,
        activation: norm ? 'linear' : 'relu',
        kernelInitializer: ctx.init.glorot(),
      })
      .apply(x) as tf.SymbolicTensor;
    if (norm) {
      x = norm.apply(x) as tf.SymbolicTensor;
      x = tf.layers.reLU().apply(x) as tf.SymbolicTensor;
    }
    x = tf.layers.maxPooling2d({ poolSize: 2 }).apply(x) as tf.SymbolicTensor;
  }
  x = tf.layers.flatten().apply(x) as tf.SymbolicTensor;
  x = tf.layers
    .dense({ units: ctx.arch.embeddingDim, activation: 'relu', kernelInitializer: ctx.init.glorot() })
    .apply(x) as tf.SymbolicTensor;
  if (ctx.arch.l2Normalize) x = new L2Normalize().apply(x) as tf.SymbolicTensor;
  return tf.model({ inputs: input, outputs: x, name: 'seed' });
}

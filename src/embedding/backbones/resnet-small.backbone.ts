import * as tf from '@tensorflow/tfjs';
import { type BackboneContext, convNormRelu, embeddingHead, normLayer, numberList } from './backbone-kit';

/**
 * `resnet-small`: a small ResNet (He et al., 2016) with basic blocks.
 *
 *   stem: conv 32@3×3 stride 2 → [norm] → ReLU
 *   stages (widths 32-64-128, blocks 1-1-1; stride 2 from the second stage):
 *     y = ReLU( F(x) + shortcut(x) ),  F = conv3×3 → norm → ReLU → conv3×3 → norm,
 *     shortcut = identity, or conv 1×1 (with stride) → norm when the shape changes
 *   → global average pooling → dense embeddingDim → L2 normalisation
 *
 * params: { widths?: number[]; blocks?: number[]; stemWidth?: number }.
 */
export function buildResnetSmall(ctx: BackboneContext): tf.LayersModel {
  const { height, width, channels } = ctx.input;
  const widths = numberList(ctx.arch.params?.widths, [32, 64, 128]);
  const blocks = numberList(
    ctx.arch.params?.blocks,
    widths.map(() => 1),
  );
  const stem = numberList([ctx.arch.params?.stemWidth], [32])[0];
  const input = tf.input({ shape: [height, width, channels], name: 'image' });
  let x = convNormRelu(input, ctx, stem, { strides: 2 });
  let inWidth = stem;
  widths.forEach((w, stage) => {
    for (let b = 0; b < (blocks[stage] ?? 1); b++) {
      const strides = stage > 0 && b === 0 ? 2 : 1;
      x = basicBlock(x, ctx, inWidth, w, strides);
      inWidth = w;
    }
  });
  x = tf.layers.globalAveragePooling2d({}).apply(x) as tf.SymbolicTensor;
  return tf.model({ inputs: input, outputs: embeddingHead(x, ctx), name: 'resnet_small' });
}

function basicBlock(x: tf.SymbolicTensor, ctx: BackboneContext, inWidth: number, outWidth: number, strides: number): tf.SymbolicTensor {
  let y = convNormRelu(x, ctx, outWidth, { strides });
  y = convNormRelu(y, ctx, outWidth, { relu: false });
  let shortcut = x;
  if (strides !== 1 || inWidth !== outWidth) {
    const norm = normLayer(ctx.arch.normalization, outWidth, ctx.arch.params);
    shortcut = tf.layers
      .conv2d({ filters: outWidth, kernelSize: 1, strides, padding: 'same', useBias: !norm, kernelInitializer: ctx.init.he() })
      .apply(x) as tf.SymbolicTensor;
    if (norm) shortcut = norm.apply(shortcut) as tf.SymbolicTensor;
  }
  const sum = tf.layers.add().apply([y, shortcut]) as tf.SymbolicTensor;
  return tf.layers.reLU().apply(sum) as tf.SymbolicTensor;
}

import * as tf from '@tensorflow/tfjs';
import { type BackboneContext, convNormRelu, embeddingHead, numberList } from './backbone-kit';

/**
 * `fast` (the default): a small VGG-style stack sized for a 2-core CPU.
 *
 *   for w in widths (default 32-64-128): conv w@3×3 same → [norm] → ReLU → maxpool 2
 *   → global average pooling → dense embeddingDim → L2 normalisation
 *
 * Global pooling instead of flatten keeps the head small (128·D weights rather
 * than the seed net's 67,712·512) and makes the encoder indifferent to input size.
 * params: { widths?: number[]; convsPerBlock?: number }.
 */
export function buildFast(ctx: BackboneContext): tf.LayersModel {
  const { height, width, channels } = ctx.input;
  const widths = numberList(ctx.arch.params?.widths, [32, 64, 128]);
  const convs = numberList([ctx.arch.params?.convsPerBlock], [1])[0];
  const input = tf.input({ shape: [height, width, channels], name: 'image' });
  let x: tf.SymbolicTensor = input;
  widths.forEach((w) => {
    for (let i = 0; i < convs; i++) x = convNormRelu(x, ctx, w);
    x = tf.layers.maxPooling2d({ poolSize: 2 }).apply(x) as tf.SymbolicTensor;
  });
  x = tf.layers.globalAveragePooling2d({}).apply(x) as tf.SymbolicTensor;
  return tf.model({ inputs: input, outputs: embeddingHead(x, ctx), name: 'fast' });
}

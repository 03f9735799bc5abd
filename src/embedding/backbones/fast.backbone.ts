import * as tf from '@tensorflow/tfjs';
import { badInput } from '../../errors';
import { GEM_MAX_P, GemPooling2D } from '../layers';
import { type BackboneContext, convNormRelu, embeddingHead, numberList } from './backbone-kit';

/**
 * `fast` (the default): a small VGG-style stack sized for a 2-core CPU.
 *
 *   for w in widths (default 32-64-128): conv w@3×3 same → [norm] → ReLU → maxpool 2
 *   → global average pooling → dense embeddingDim → L2 normalisation
 *
 * Global pooling instead of flatten keeps the head small (128·D weights rather
 * than the seed net's 67,712·512) and makes the encoder indifferent to input size.
 * params: { widths?: number[]; convsPerBlock?: number; pooling?: 'avg' | 'gem'; gemP?: number }.
 * `pooling: 'gem'` replaces the average by a generalized mean of exponent gemP (default 3; layers/gem-pooling.layer.ts,
 * rule GEM). Pooling holds no weight, so a trunk trained under either pooling transfers (trunk-transfer.ts).
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
  x = globalPooling(ctx.arch.params ?? {}).apply(x) as tf.SymbolicTensor;
  return tf.model({ inputs: input, outputs: embeddingHead(x, ctx), name: 'fast' });
}

/** The global pooling `params.pooling` names; an unknown name or exponent is refused rather than read as the default. */
export function globalPooling(params: Record<string, unknown>): tf.layers.Layer {
  const pooling = params.pooling ?? 'avg';
  if (pooling === 'avg') {
    if (params.gemP !== undefined) throw badInput(`backbone param gemP needs pooling 'gem' (got pooling '${String(pooling)}')`);
    return tf.layers.globalAveragePooling2d({});
  }
  if (pooling === 'gem') {
    const p = params.gemP ?? 3;
    if (typeof p !== 'number' || !Number.isFinite(p) || p < 1 || p > GEM_MAX_P)
      throw badInput(`backbone param gemP must be a number from 1 to ${GEM_MAX_P} (got ${String(p)})`);
    return new GemPooling2D({ p });
  }
  throw badInput(`backbone param pooling must be 'avg' or 'gem' (got '${String(pooling)}')`);
}

import * as tf from '@tensorflow/tfjs';
import type { ArchitectureSpec, NormLayer } from '../model-card';
import { GroupNormalization, L2Normalize } from '../layers';

/** What every backbone builder receives. */
export interface BackboneContext {
  arch: ArchitectureSpec;
  input: { height: number; width: number; channels: number };
  init: InitSeeds;
}

export type BackboneBuilder = (ctx: BackboneContext) => tf.LayersModel;

/**
 * Seeds for the weight initialisers: layer k gets seed + k, so a given seed
 * builds the same weights in every process (tfjs's seeded initialisers use
 * seedrandom). Without a seed each initialiser draws its own.
 */
export class InitSeeds {
  private k = 0;
  constructor(private readonly seed?: number) {}

  private next(): number | undefined {
    return this.seed === undefined ? undefined : this.seed * 1000 + this.k++;
  }

  /** He-normal: the right scale in front of a ReLU. */
  he(): ReturnType<typeof tf.initializers.heNormal> {
    return tf.initializers.heNormal({ seed: this.next() });
  }

  glorot(): ReturnType<typeof tf.initializers.heNormal> {
    return tf.initializers.glorotUniform({ seed: this.next() });
  }
}

/** The normalisation layer for `arch.normalization`, or none. */
export function normLayer(kind: NormLayer, channels: number, params: Record<string, unknown> = {}): tf.layers.Layer | undefined {
  switch (kind) {
    case 'none':
      return undefined;
    case 'batch':
      return tf.layers.batchNormalization({ axis: -1, momentum: 0.9, epsilon: 1e-5 });
    case 'group': {
      const wanted = typeof params.groups === 'number' ? params.groups : 8;
      return new GroupNormalization({ groups: largestDivisorAtMost(channels, wanted) });
    }
    case 'instance':
      return new GroupNormalization({ groups: channels });
    default:
      throw new Error(`unknown normalization '${String(kind)}'`);
  }
}

function largestDivisorAtMost(n: number, k: number): number {
  for (let g = Math.min(n, Math.max(1, Math.floor(k))); g > 1; g--) if (n % g === 0) return g;
  return 1;
}

/** conv → [norm] → ReLU. The conv has a bias only when no normalisation follows (the norm's β replaces it). */
export function convNormRelu(
  x: tf.SymbolicTensor,
  ctx: BackboneContext,
  filters: number,
  opts: { kernelSize?: number; strides?: number; padding?: 'same' | 'valid'; relu?: boolean } = {},
): tf.SymbolicTensor {
  const norm = normLayer(ctx.arch.normalization, filters, ctx.arch.params);
  const relu = opts.relu !== false;
  // Without a norm the ReLU goes into the conv (fused kernel at inference; see seed.backbone.ts).
  let y = tf.layers
    .conv2d({
      filters,
      kernelSize: opts.kernelSize ?? 3,
      strides: opts.strides ?? 1,
      padding: opts.padding ?? 'same',
      useBias: !norm,
      activation: !norm && relu ? 'relu' : 'linear',
      kernelInitializer: ctx.init.he(),
    })
    .apply(x) as tf.SymbolicTensor;
  if (norm) {
    y = norm.apply(y) as tf.SymbolicTensor;
    if (relu) y = tf.layers.reLU().apply(y) as tf.SymbolicTensor;
  }
  return y;
}

/** GAP features → dense embeddingDim → optional L2 normalisation. */
export function embeddingHead(x: tf.SymbolicTensor, ctx: BackboneContext): tf.SymbolicTensor {
  let y = tf.layers.dense({ units: ctx.arch.embeddingDim, kernelInitializer: ctx.init.glorot() }).apply(x) as tf.SymbolicTensor;
  if (ctx.arch.l2Normalize) y = new L2Normalize().apply(y) as tf.SymbolicTensor;
  return y;
}

export function numberList(value: unknown, fallback: number[]): number[] {
  if (Array.isArray(value) && value.length > 0 && value.every((v) => Number.isInteger(v) && v > 0)) return value as number[];
  return fallback;
}

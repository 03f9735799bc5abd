import type * as tf from '@tensorflow/tfjs';
import { buildEncoder } from '../embedding/backbones';

/**
 * The project's `seed` backbone (src/embedding/backbones/seed.backbone.ts) in
 * the peer's configuration: 512-d ReLU output, no normalisation layers, no L2
 * layer. Its layers and shapes are the peer's (see seed-flops.ts), so
 * images/s and pairs/s measure the same work.
 */
export const SEED_ENCODER = 'src/embedding/backbones seed (512-d, no norm, no L2)';

export function buildSeedNet(height = 100, width = 100, channels = 1): tf.LayersModel {
  return buildEncoder({ backbone: 'seed', embeddingDim: 512, normalization: 'none', l2Normalize: false }, { height, width, channels }, 1);
}

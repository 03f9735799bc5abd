/**
 * The pixel feature as an encoder: the identity map of the preprocessed input,
 * flattened ([N,H,W,C] → [N,H·W·C]), no weights. With the card's metric set to
 * the pixel baseline that won on validation (euclidean or cosine), it serves
 * exactly the pixel baseline's distances: what the auto recipe falls back to
 * when a trained encoder does not beat raw pixels on validation (few classes,
 * issue 17). Saved and loaded like any LayersModel (a Flatten layer).
 */
import * as tf from '@tensorflow/tfjs';
import type { ArchitectureSpec } from '../../embedding/model-card';

export const PIXEL_BACKBONE = 'pixel';

export function buildPixelEncoder(shape: { height: number; width: number; channels: number }): tf.LayersModel {
  const input = tf.input({ shape: [shape.height, shape.width, shape.channels], name: 'image' });
  const flat = tf.layers.flatten({ name: 'pixels' }).apply(input) as tf.SymbolicTensor;
  return tf.model({ inputs: input, outputs: flat, name: PIXEL_BACKBONE });
}

export function pixelArchitecture(shape: { height: number; width: number; channels: number }): ArchitectureSpec {
  return { backbone: PIXEL_BACKBONE, embeddingDim: shape.height * shape.width * shape.channels, normalization: 'none', l2Normalize: false };
}

/**
 * Refreshes the forgery-pair sampler's nearest writers from the encoder as it is now (rule HARD-WRITERS, session 46;
 * samplers/nearest-writers.ts says what is mined and why). Run at the start of every epoch on the live weights:
 * the first `imagesPerWriter` genuine signatures of every drawable writer, unaugmented, embedded as validation
 * embeds (the card's inference), their centroids, then each writer's `k` nearest.
 *
 * Cost, measured on the 256×160 recipe: 2 images × ~236 writers is about 1.6 times one validation pass per epoch.
 */
import type * as tf from '@tensorflow/tfjs';
import type { InferenceSpec } from '../../embedding/preprocess/flip-average';
import { embedPixels } from '../evaluate/embed';
import type { ForgeryPairSampler } from '../samplers/forgery-pair.sampler';
import { nearestWriters, writerCentroids } from '../samplers/nearest-writers';
import type { ImageShape } from './train-step';

export interface HardWriterSettings {
  /** Share of other-writer negatives drawn among the nearest writers. */
  share: number;
  /** Nearest writers per writer. */
  k: number;
  /** Genuine images per writer that place it. */
  imagesPerWriter: number;
}

export const HARD_WRITER_DEFAULTS = { k: 5, imagesPerWriter: 2 } as const;

/** Sets the sampler's neighbours; returns how many images were embedded. */
export function refreshNearestWriters(
  model: tf.LayersModel,
  sampler: ForgeryPairSampler,
  genuine: readonly (readonly number[])[],
  pixels: readonly Float32Array[],
  shape: ImageShape,
  inference: InferenceSpec,
  settings: Pick<HardWriterSettings, 'k' | 'imagesPerWriter'>,
): number {
  const probe: Float32Array[] = [];
  const owners: number[] = [];
  for (const w of sampler.sampledWriters)
    for (const i of genuine[w].slice(0, settings.imagesPerWriter)) {
      probe.push(pixels[i]);
      owners.push(w);
    }
  const embeddings = embedPixels(model, probe, shape, 64, inference);
  sampler.setNeighbours(nearestWriters(writerCentroids(embeddings, owners, genuine.length), settings.k));
  return probe.length;
}

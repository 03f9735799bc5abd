/**
 * Refreshes the forgery-pair sampler's nearest writers from the encoder as it is now (rule NEAR, session 46,
 * docs/experiments/signatures/nearest-writers/RULE.md; samplers/nearest-writers.ts says what is mined and why).
 * Run at the start of every epoch on the **live** weights, not the EMA's that validation reads: the pairs it
 * mines are the ones the next steps train the live weights on. The first `imagesPerWriter` genuine signatures of
 * every writer the sampler draws, unaugmented, with the card's inference (flip averaging, L2), their centroids, then
 * each writer's `k` nearest.
 *
 * Cost, measured in session 46's NEAR screen (256×160, two runs at once on this 2-core machine): 2 images × 204
 * identities = 408 images, 6–7 s an epoch against about 125 s for the epoch's 40 steps and its validation.
 */
import type * as tf from '@tensorflow/tfjs';
import type { InferenceSpec } from '../../embedding/preprocess/flip-average';
import { embedPixels } from '../evaluate/embed';
import type { ForgeryPairSampler } from '../samplers/forgery-pair.sampler';
import { nearestWriters, writerCentroids } from '../samplers/nearest-writers';
import type { ImageShape } from './train-step';

/** How the neighbours are found (the share of negatives they serve is the sampler's). */
export interface NearestWriterSettings {
  /** Nearest writers per writer. */
  k: number;
  /** Genuine images per writer that place it. */
  imagesPerWriter: number;
}

export const NEAREST_WRITER_DEFAULTS: NearestWriterSettings = { k: 5, imagesPerWriter: 2 };

/** Sets the sampler's neighbours; returns how many images were embedded. */
export function refreshNearestWriters(
  model: tf.LayersModel,
  sampler: ForgeryPairSampler,
  pixels: readonly Float32Array[],
  shape: ImageShape,
  inference: InferenceSpec,
  settings: NearestWriterSettings = NEAREST_WRITER_DEFAULTS,
): number {
  const probe: Float32Array[] = [];
  const owners: number[] = [];
  for (const w of sampler.sampledWriters)
    for (const i of sampler.genuineOf(w).slice(0, settings.imagesPerWriter)) {
      probe.push(pixels[i]);
      owners.push(w);
    }
  const embeddings = embedPixels(model, probe, shape, 64, inference);
  sampler.setNeighbours(nearestWriters(writerCentroids(embeddings, owners, sampler.writerCount), settings.k));
  return probe.length;
}

/**
 * Session 30 (issue 17): an imitation of a signature made from the signature itself, for rule SYNTH
 * (docs/experiments/signatures/backend/RULE-synth.md, fixed there before any measurement). Not served.
 *
 * The distortion is Simard et al.'s elastic field (ICDAR 2003, §2), now in src/training/augment/elastic.augment.ts.
 */
import sharp from 'sharp';
import { Rng } from '../../src/training/samplers/rng';
import {
  blur,
  displacementField,
  gaussianKernel,
  warpPlane,
  type ElasticOptions,
  type Plane,
} from '../../src/training/augment/elastic.augment';

/** The field's smoothing and strength (RULE-synth.md: σ 0.06, RMS 0.03 of the height). */
export type ImitationOptions = ElasticOptions;

export const RULE_SYNTH_IMITATION: ImitationOptions = { sigmaShare: 0.06, rmsShare: 0.03 };

/** A grey image, row-major, values 0–255. */
export type Grey = Plane;

// The field and the resampling moved to src/training/augment/elastic.augment.ts in session 31 (training's elastic
// augmentation uses them); re-exported here so session 30's tools and tests read as they did.
export { gaussianKernel, blur, displacementField };
export const warp = warpPlane;

/** The paper's grey level: the 95th percentile (a signature's ink covers far less than 5 % of a scan). */
export function paperLevel(data: Float32Array): number {
  const sorted = Float32Array.from(data).sort();
  return sorted[Math.min(sorted.length - 1, Math.floor(0.95 * sorted.length))];
}

/** An imitation of a scanned signature (any format sharp reads) as a greyscale PNG. */
export async function imitate(image: Buffer, seed: number, options: ImitationOptions = RULE_SYNTH_IMITATION): Promise<Buffer> {
  const { data, info } = await sharp(image).greyscale().raw().toBuffer({ resolveWithObject: true });
  const grey = new Float32Array(info.width * info.height);
  for (let i = 0; i < grey.length; i++) grey[i] = data[i * info.channels];
  const { dx, dy } = displacementField(info.width, info.height, options, new Rng(seed));
  const warped = warp({ data: grey, width: info.width, height: info.height }, dx, dy, paperLevel(grey));
  const bytes = Buffer.from(Uint8Array.from(warped.data, (v) => Math.max(0, Math.min(255, Math.round(v)))));
  return sharp(bytes, { raw: { width: info.width, height: info.height, channels: 1 } })
    .png()
    .toBuffer();
}

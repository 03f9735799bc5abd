/**
 * Does a folder hold face photos? The auto recipe (auto-recipe.ts) asks this before it chooses an encoder: for
 * faces, the pretrained face trunk of the faces issue (dlib's ResNet, `--backbone face-resnet29`, with the face
 * stage) beats anything a few minutes of training from scratch can learn (docs/faces.md: held-out LFW EER 1.2 %
 * against 19.8 % from scratch), so the recipe offers it where it applies (issue 17).
 *
 * The check runs the serving path's own detection (`detectAllFaces` with the default face stage: tiny detector,
 * SSD fallback, a padded retry) on an evenly spread sample of the folder's images, and counts the images with at
 * least one face. It stops as soon as the answer is settled: with 12 sampled and a share of 80 % needed, the
 * third image without a face ends it, so a folder of products or parts costs three images, not twelve (up to four
 * detector passes each: tiny, SSD, then both on a padded frame; a face image usually takes one tiny pass).
 * An image that does not decode counts as one without a face.
 */
import { DomainError } from '../../errors';
import type { FaceDetector } from '../../embedding/faces/face-detector.port';
import { DEFAULT_FACE_STAGE } from '../../embedding/faces/face-stage-defaults';
import { detectAllFaces } from '../../embedding/faces/face-stage';
import type { LabelledImageSource } from '../data/labelled-image-source';

/** How many images the check looks at (at most). */
export const FACE_CHECK_SAMPLE = 12;
/** Share of sampled images that must show a face for the folder to count as face photos. */
export const FACE_SHARE = 0.8;
/**
 * Images whose median shorter side is under this are not checked: a face in them would be too small for
 * face-api's detectors (the tiny detector works on a 320 px grid) and for the trunk's 150×150 crop. ORL's 92×112
 * portraits pass (95 of 100 held-out ones have a detectable face, docs/faces.md).
 */
export const FACE_CHECK_MIN_SIDE = 64;

export interface FaceCheck {
  /** Images looked at (fewer than the sample when the answer was settled early). */
  checked: number;
  /** Of those, images with at least one face. */
  withFace: number;
  /** The sample the share is judged against. */
  sample: number;
}

/** True when the check found faces in at least FACE_SHARE of its sample (never for an empty folder). */
export function showsFaces(check: FaceCheck): boolean {
  return check.sample > 0 && check.withFace >= Math.ceil(FACE_SHARE * check.sample - 1e-9);
}

export async function checkFaces(
  source: LabelledImageSource,
  detector: FaceDetector,
  options: { sample?: number; onImage?: (checked: number, sample: number, settled: boolean) => void } = {},
): Promise<FaceCheck> {
  const images = await source.list();
  const sample = Math.min(options.sample ?? FACE_CHECK_SAMPLE, images.length);
  // The most misses a face folder may have; one more settles it.
  const allowedMisses = sample - Math.ceil(FACE_SHARE * sample - 1e-9);
  let checked = 0;
  let withFace = 0;
  for (let i = 0; i < sample; i++) {
    const image = images[Math.floor((i * images.length) / sample)];
    let found = false;
    try {
      found = (await detectAllFaces(await source.read(image.key), DEFAULT_FACE_STAGE, detector)).length > 0;
    } catch (e) {
      if (!(e instanceof DomainError)) throw e;
    }
    checked++;
    if (found) withFace++;
    const settled = checked - withFace > allowedMisses;
    options.onImage?.(checked, sample, settled);
    if (settled) break;
  }
  return { checked, withFace, sample };
}

/**
 * The check as `siamese train` runs it: a detector that cannot run (its weights, a backend clash) becomes the
 * reason the check did not finish, not an error, because a run on photos that are not faces never needed it.
 */
export async function faceCheckOrReason(
  source: LabelledImageSource,
  detector: FaceDetector,
  options: { onImage?: (checked: number, sample: number, settled: boolean) => void } = {},
): Promise<{ faces: FaceCheck } | { skipped: string }> {
  try {
    return { faces: await checkFaces(source, detector, options) };
  } catch (e) {
    const message = (e instanceof Error ? e.message : String(e)).split('\n')[0];
    return { skipped: `the face check failed (${message}): pass --backbone face-resnet29 to use the face trunk anyway` };
  }
}

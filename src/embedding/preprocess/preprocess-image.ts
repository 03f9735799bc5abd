import type { PreprocessSpec } from '../model-card';
import { defaultFaceDetector } from '../faces/face-api.detector';
import type { FaceDetector } from '../faces/face-detector.port';
import { alignFace } from '../faces/face-stage';
import type { FaceInfo } from '../faces/face.types';
import { assertAcceptedEncoding, decodeImage, type DecodeLimits } from './decode-image';
import { inkCropPixels } from './ink-crop';
import { normalizePixels, validatePreprocessSpec } from './normalize';

/**
 * The single entry from image bytes to the encoder's input, for every path
 * (Embedder and its worker threads, training's image cache, eval, retraining):
 * with a face stage in the card, detect → align → crop (faces/face-stage.ts),
 * with an ink crop, paper removed and cropped to the ink (ink-crop.ts),
 * otherwise the whole image is fitted (decode-image.ts); then normalised.
 * Refused encodings (SVG unless allowed, see decode-image.ts) are refused here
 * for both paths, before any decoder sees the bytes.
 */
export interface PreparedInput {
  /** HWC float32, height·width·channels values. */
  input: Float32Array;
  /** The face that was used, when the model has a face stage. */
  face?: FaceInfo;
}

export async function preprocessImage(
  bytes: Uint8Array,
  spec: PreprocessSpec,
  limits: DecodeLimits = {},
  detector: FaceDetector = defaultFaceDetector(),
): Promise<PreparedInput> {
  if (spec.crop === 'ink') {
    validatePreprocessSpec(spec);
    return { input: normalizePixels(await inkCropPixels(bytes, spec, limits), spec) };
  }
  if (!spec.face) return { input: await decodeImage(bytes, spec, limits) };
  validatePreprocessSpec(spec);
  if (bytes instanceof Uint8Array) assertAcceptedEncoding(bytes, limits);
  const aligned = await alignFace(bytes, spec, detector, limits);
  return { input: normalizePixels(aligned.pixels, spec), face: aligned.face };
}

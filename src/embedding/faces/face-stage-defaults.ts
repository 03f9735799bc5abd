import type { FaceStageSpec, PreprocessSpec } from '../model-card';
import { badInput } from '../../errors';
import { FACE_RESNET_INPUT, FACE_RESNET_MEAN } from '../backbones/face-resnet.backbone';

/**
 * The canonical five points in a 150×150 crop, measured, not guessed: the mean
 * position of [left eye, right eye, nose tip, mouth corners] inside face-api's
 * own descriptor crops (68-landmark bounding box + 20 %, padded square, resized
 * to 150) over 300 LFW training photos (every 10th person of lfw-devtrain,
 * SSD detector): (48.8, 38.4) (101.3, 37.6) (74.9, 69.2) (53.9, 95.9) (99.2, 95.7),
 * then made mirror-symmetric about x = 75 (a frontal face's mean is symmetric; the
 * residual 1–2 px came from the landmark box, not from faces).
 * Reproduce: scratch script in docs/faces.md ("Template").
 * The similarity warp removes in-plane rotation that face-api's axis-aligned crop keeps.
 */
export const FACE_TEMPLATE_150: [number, number][] = [
  [48.8, 38.0],
  [101.2, 38.0],
  [75.0, 69.0],
  [52.5, 95.8],
  [97.5, 95.8],
];

export const DEFAULT_FACE_STAGE: FaceStageSpec = {
  detector: 'tiny',
  fallbackDetector: 'ssd',
  minScore: 0.5,
  tinyInputSize: 320,
  select: 'largest',
  template: FACE_TEMPLATE_150,
  maxSide: 1024,
  padRetry: 0.25,
};

/** Preprocessing of the face-resnet29 trunk with the default face stage. */
export function faceResnetPreprocessing(face: FaceStageSpec = DEFAULT_FACE_STAGE): PreprocessSpec {
  return {
    ...FACE_RESNET_INPUT,
    normalize: 'standard',
    mean: [...FACE_RESNET_MEAN],
    std: [1, 1, 1],
    fit: 'fill',
    face,
  };
}

/** Scales the 150×150 template to another crop size (for encoders trained from scratch at other sizes). */
export function scaledTemplate(width: number, height: number): [number, number][] {
  return FACE_TEMPLATE_150.map(([x, y]) => [(x * width) / 150, (y * height) / 150]);
}

export function validateFaceStage(face: FaceStageSpec, width: number, height: number): void {
  const detectors = ['tiny', 'ssd'];
  if (!detectors.includes(face.detector)) throw badInput(`face.detector must be tiny or ssd, got '${face.detector}'`);
  if (face.fallbackDetector !== undefined && !detectors.includes(face.fallbackDetector))
    throw badInput(`face.fallbackDetector must be tiny or ssd`);
  if (typeof face.minScore !== 'number' || !(face.minScore >= 0 && face.minScore <= 1)) throw badInput(`face.minScore must be in [0, 1]`);
  if (
    face.tinyInputSize !== undefined &&
    !(Number.isInteger(face.tinyInputSize) && face.tinyInputSize % 32 === 0 && face.tinyInputSize >= 128 && face.tinyInputSize <= 1024)
  ) {
    throw badInput('face.tinyInputSize must be a multiple of 32 in [128, 1024]');
  }
  if (face.select !== 'largest') throw badInput(`face.select must be 'largest'`);
  if (!Array.isArray(face.template) || face.template.length !== 5) throw badInput('face.template must hold 5 points');
  for (const p of face.template) {
    if (!Array.isArray(p) || p.length !== 2 || !(p[0] >= 0 && p[0] <= width && p[1] >= 0 && p[1] <= height)) {
      throw badInput(`face.template points must lie inside the ${width}×${height} crop`);
    }
  }
  if (!(Number.isInteger(face.maxSide) && face.maxSide >= 64 && face.maxSide <= 8192))
    throw badInput('face.maxSide must be an integer in [64, 8192]');
  if (typeof face.padRetry !== 'number' || !(face.padRetry >= 0 && face.padRetry <= 2)) throw badInput('face.padRetry must be in [0, 2]');
}

import sharp from 'sharp';
import type { FaceStageSpec, PreprocessSpec } from '../model-card';
import { DomainError, ErrorCode, invalidImage } from '../../errors';
import { DEFAULT_MAX_BYTES, DEFAULT_MAX_PIXELS, type DecodeLimits } from '../preprocess/decode-image';
import type { FaceDetector } from './face-detector.port';
import type { DetectedFace, FaceInfo, Point, RgbImage } from './face.types';
import { fivePoints } from './keypoints';
import { estimateSimilarity } from './similarity-transform';
import { padReplicate, warpSimilarity } from './warp';

/**
 * The face stage of preprocessing: photo → aligned face crop, the same for
 * training, evaluation, serving and retraining (they all call
 * `preprocessImage`, which calls this when the card has `preprocessing.face`).
 *
 *   1. decode with sharp: EXIF orientation applied, alpha flattened, sRGB, and
 *      **shrunk on load** so the longer side is ≤ spec.maxSide (a 50 MP phone
 *      photo decodes at 1/8 scale through libjpeg's DCT scaling, never at full size);
 *   2. detect faces (spec.detector, then spec.fallbackDetector), and when none is
 *      found pad the frame by spec.padRetry on every side and try again (tight crops);
 *   3. keep the largest face (box area), take 5 keypoints from its 68 landmarks;
 *   4. least-squares similarity transform of those points onto spec.template,
 *      bilinear warp into the encoder's width×height (see similarity-transform.ts, warp.ts);
 *   5. 1-channel models get Rec. 601 luma.
 *
 * No face → DomainError NO_FACE_DETECTED. Pixel limits: the header's declared
 * size may reach max(limits.maxPixels, FACE_MIN_DECLARED_PIXELS) because the
 * decoded image is at most maxSide²; decompression bombs beyond that are still
 * refused from the header (IMAGE_TOO_LARGE).
 */
export const FACE_MIN_DECLARED_PIXELS = 64_000_000;

export interface AlignedFace {
  /** width×height×channels 8-bit pixels of the aligned crop. */
  pixels: Uint8Array;
  face: FaceInfo;
}

export interface LoadedPhoto {
  image: RgbImage;
  /** Original (EXIF-rotated) pixels per loaded pixel, ≥ 1. */
  scale: number;
}

export async function alignFace(
  bytes: Uint8Array,
  spec: PreprocessSpec,
  detector: FaceDetector,
  limits: DecodeLimits = {},
): Promise<AlignedFace> {
  const face = requireFaceSpec(spec);
  const photo = await loadPhoto(bytes, face, limits);
  const found = await detectWithRetries(photo.image, face, detector);
  if (found.length === 0) {
    throw new DomainError(ErrorCode.NO_FACE_DETECTED, 'no face was found in the image', { detector: face.detector });
  }
  const chosen = largest(found);
  const keypoints = fivePoints(chosen.landmarks);
  const template = face.template.map(([x, y]) => ({ x, y }));
  const toCrop = estimateSimilarity(keypoints, template);
  const rgb = warpSimilarity(photo.image, toCrop, spec.width, spec.height);
  return { pixels: spec.channels === 1 ? luma(rgb) : rgb, face: toFaceInfo(chosen, keypoints, photo.scale) };
}

/** Every face in the photo, largest first, in the uploaded image's coordinates (the detectFaces query). */
export async function detectAllFaces(
  bytes: Uint8Array,
  face: FaceStageSpec,
  detector: FaceDetector,
  limits: DecodeLimits = {},
): Promise<FaceInfo[]> {
  const photo = await loadPhoto(bytes, face, limits);
  const found = await detectWithRetries(photo.image, face, detector);
  return [...found].sort((a, b) => area(b) - area(a)).map((f) => toFaceInfo(f, fivePoints(f.landmarks), photo.scale));
}

/** Step 1: decoded, rotated, shrunk-on-load sRGB pixels. */
export async function loadPhoto(bytes: Uint8Array, face: FaceStageSpec, limits: DecodeLimits = {}): Promise<LoadedPhoto> {
  const maxPixels = Math.max(limits.maxPixels ?? DEFAULT_MAX_PIXELS, FACE_MIN_DECLARED_PIXELS);
  const maxBytes = limits.maxBytes ?? DEFAULT_MAX_BYTES;
  if (!(bytes instanceof Uint8Array) || bytes.length === 0) throw invalidImage('the image is empty (0 bytes)');
  if (bytes.length > maxBytes) {
    throw new DomainError(ErrorCode.PAYLOAD_TOO_LARGE, `the image is ${bytes.length} bytes; the limit is ${maxBytes}`, {
      size: bytes.length,
      max: maxBytes,
    });
  }
  const input = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const options = { limitInputPixels: maxPixels, failOn: 'error' as const, pages: 1, page: 0 };
  try {
    const meta = await sharp(input, options).metadata();
    const w = meta.width ?? 0;
    const h = meta.pageHeight ?? meta.height ?? 0;
    if (!w || !h) throw invalidImage('the image has no dimensions');
    if (w * h > maxPixels) {
      throw new DomainError(ErrorCode.IMAGE_TOO_LARGE, `the image declares ${w}×${h} pixels; the limit is ${maxPixels}`, {
        width: w,
        height: h,
        maxPixels,
      });
    }
    // EXIF orientations 5–8 swap the axes.
    const rotatedWidth = (meta.orientation ?? 1) >= 5 ? h : w;
    const { data, info } = await sharp(input, options)
      .rotate()
      .flatten({ background: { r: 255, g: 255, b: 255 } })
      .resize(face.maxSide, face.maxSide, { fit: 'inside', withoutEnlargement: true })
      .toColourspace('srgb')
      .removeAlpha()
      .raw({ depth: 'uchar' })
      .toBuffer({ resolveWithObject: true });
    const rgb = toRgb(new Uint8Array(data.buffer, data.byteOffset, data.byteLength), info.channels);
    return { image: { data: rgb, width: info.width, height: info.height }, scale: rotatedWidth / info.width };
  } catch (e) {
    if (e instanceof DomainError) throw e;
    const message = e instanceof Error ? e.message : String(e);
    if (/pixel limit/i.test(message))
      throw new DomainError(ErrorCode.IMAGE_TOO_LARGE, `the image exceeds ${maxPixels} pixels`, { maxPixels });
    if (/unsupported image format/i.test(message)) throw invalidImage('not a supported image (JPEG, PNG, WebP, GIF, TIFF, AVIF, SVG)');
    throw invalidImage(`the image could not be decoded: ${message.split('\n')[0]}`);
  }
}

/** Step 2: primary detector, fallback detector, then both again on a padded frame. */
export async function detectWithRetries(image: RgbImage, face: FaceStageSpec, detector: FaceDetector): Promise<DetectedFace[]> {
  const detectors =
    face.fallbackDetector && face.fallbackDetector !== face.detector ? [face.detector, face.fallbackDetector] : [face.detector];
  for (const which of detectors) {
    const found = await detector.detect(image, { detector: which, minScore: face.minScore, tinyInputSize: face.tinyInputSize });
    if (found.length > 0) return found;
  }
  if (face.padRetry > 0) {
    const pad = Math.round(Math.max(image.width, image.height) * face.padRetry);
    const padded = padReplicate(image, pad);
    for (const which of detectors) {
      const found = await detector.detect(padded, { detector: which, minScore: face.minScore, tinyInputSize: face.tinyInputSize });
      if (found.length > 0) return found.map((f) => shift(f, -pad));
    }
  }
  return [];
}

export function requireFaceSpec(spec: PreprocessSpec): FaceStageSpec {
  if (!spec.face) throw new Error('this model has no face stage');
  return spec.face;
}

function largest(faces: readonly DetectedFace[]): DetectedFace {
  return faces.reduce((best, f) => (area(f) > area(best) ? f : best));
}

function area(f: DetectedFace): number {
  return f.box.width * f.box.height;
}

function shift(f: DetectedFace, d: number): DetectedFace {
  return {
    box: { ...f.box, x: f.box.x + d, y: f.box.y + d },
    score: f.score,
    landmarks: f.landmarks.map((p) => ({ x: p.x + d, y: p.y + d })),
  };
}

function toFaceInfo(f: DetectedFace, keypoints: readonly Point[], scale: number): FaceInfo {
  const s = (v: number) => v * scale;
  return {
    box: { x: s(f.box.x), y: s(f.box.y), width: s(f.box.width), height: s(f.box.height) },
    score: f.score,
    keypoints: keypoints.map((p) => ({ x: s(p.x), y: s(p.y) })),
  };
}

function toRgb(data: Uint8Array, channels: number): Uint8Array {
  if (channels === 3) return data;
  const n = data.length / channels;
  const out = new Uint8Array(n * 3);
  for (let i = 0; i < n; i++) {
    const g = data[i * channels];
    out[i * 3] = channels >= 3 ? data[i * channels] : g;
    out[i * 3 + 1] = channels >= 3 ? data[i * channels + 1] : g;
    out[i * 3 + 2] = channels >= 3 ? data[i * channels + 2] : g;
  }
  return out;
}

/** Rec. 601 luma, as libvips's b-w conversion. */
function luma(rgb: Uint8Array): Uint8Array {
  const out = new Uint8Array(rgb.length / 3);
  for (let i = 0; i < out.length; i++) out[i] = Math.round(0.299 * rgb[i * 3] + 0.587 * rgb[i * 3 + 1] + 0.114 * rgb[i * 3 + 2]);
  return out;
}

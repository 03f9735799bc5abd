import { promises as fs } from 'fs';
import sharp from 'sharp';
import type { PreprocessSpec } from '../model-card';
import { DomainError, ErrorCode, invalidImage } from '../../errors';
import { normalizePixels, validatePreprocessSpec } from './normalize';

/**
 * The one image → tensor path shared by training and serving, so both see
 * identical inputs. Through sharp (libvips):
 *
 * 1. size checks before decoding: `maxBytes` on the encoded bytes, `maxPixels`
 *    on the header's declared size (a 50,000×50,000 "decompression bomb" fails
 *    from its header, in microseconds) and again as sharp's `limitInputPixels`;
 * 2. EXIF orientation applied (`.rotate()` with no angle);
 * 3. alpha flattened onto white (scans, signatures and glyphs are dark on white);
 * 4. colour: CMYK, palette, 16-bit and grey+alpha inputs are converted by libvips
 *    to 8-bit sRGB, then to 1 channel (luminance, `b-w`) or 3 channels (sRGB);
 * 5. fitted to width×height: 'fill' stretches, 'contain' letterboxes on white,
 *    'cover' crops the centre;
 * 6. normalised per `spec.normalize` (see normalize.ts) into HWC float32.
 *
 * Animated GIF/WebP (and multi-page TIFF): only the first frame is used
 * (sharp reads page 0 unless asked for more).
 *
 * Errors are DomainErrors: PAYLOAD_TOO_LARGE (bytes), IMAGE_TOO_LARGE (pixels),
 * INVALID_IMAGE (empty, truncated, corrupt, not an image). Never a crash.
 */
export interface DecodeLimits {
  /** Max declared width×height of the input (default 40 megapixels). */
  maxPixels?: number;
  /** Max encoded size in bytes (default 20 MiB). */
  maxBytes?: number;
}

export const DEFAULT_MAX_PIXELS = 40_000_000;
export const DEFAULT_MAX_BYTES = 20 * 1024 * 1024;

const FIT = { fill: 'fill', contain: 'contain', cover: 'cover' } as const;
const WHITE = { r: 255, g: 255, b: 255, alpha: 1 };

export async function decodeImage(bytes: Uint8Array, spec: PreprocessSpec, limits: DecodeLimits = {}): Promise<Float32Array> {
  const pixels = await decodeImagePixels(bytes, spec, limits);
  return normalizePixels(pixels, spec);
}

/** Reads and decodes a file; the byte limit is checked on its size before reading. */
export async function decodeImageFile(path: string, spec: PreprocessSpec, limits: DecodeLimits = {}): Promise<Float32Array> {
  const maxBytes = limits.maxBytes ?? DEFAULT_MAX_BYTES;
  let bytes: Buffer;
  try {
    const stat = await fs.stat(path);
    if (stat.size > maxBytes) throw tooManyBytes(stat.size, maxBytes);
    bytes = await fs.readFile(path);
  } catch (e) {
    if (e instanceof DomainError) throw e;
    throw invalidImage(`cannot read image file ${path}: ${(e as Error).message}`, { path });
  }
  return decodeImage(bytes, spec, limits);
}

/** Steps 1–5: the fitted 8-bit HWC pixels (height×width×channels), before normalisation. */
export async function decodeImagePixels(bytes: Uint8Array, spec: PreprocessSpec, limits: DecodeLimits = {}): Promise<Uint8Array> {
  validatePreprocessSpec(spec);
  const maxPixels = limits.maxPixels ?? DEFAULT_MAX_PIXELS;
  const maxBytes = limits.maxBytes ?? DEFAULT_MAX_BYTES;
  if (!(bytes instanceof Uint8Array) || bytes.length === 0) throw invalidImage('the image is empty (0 bytes)');
  if (bytes.length > maxBytes) throw tooManyBytes(bytes.length, maxBytes);
  const input = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const options = { limitInputPixels: maxPixels, failOn: 'error' as const, pages: 1, page: 0 };

  let meta: Awaited<ReturnType<ReturnType<typeof sharp>['metadata']>>;
  try {
    meta = await sharp(input, options).metadata();
  } catch (e) {
    throw translate(e, maxPixels);
  }
  // pageHeight is the height of one frame when the input is animated.
  const declared = (meta.width ?? 0) * (meta.pageHeight ?? meta.height ?? 0);
  if (!meta.width || !meta.height) throw invalidImage('the image has no dimensions');
  if (declared > maxPixels) throw tooManyPixels(meta.width, meta.pageHeight ?? meta.height, maxPixels);

  try {
    let pipeline = sharp(input, options)
      .rotate()
      .flatten({ background: WHITE })
      .resize(spec.width, spec.height, { fit: FIT[spec.fit], position: 'centre', background: WHITE });
    pipeline = spec.channels === 1 ? pipeline.toColourspace('b-w') : pipeline.toColourspace('srgb');
    const { data, info } = await pipeline.raw({ depth: 'uchar' }).toBuffer({ resolveWithObject: true });
    if (info.width !== spec.width || info.height !== spec.height) {
      throw new Error(`sharp returned ${info.width}×${info.height}, expected ${spec.width}×${spec.height}`);
    }
    return toChannels(new Uint8Array(data.buffer, data.byteOffset, data.byteLength), info.channels, spec.channels);
  } catch (e) {
    throw translate(e, maxPixels);
  }
}

/** Guards against libvips leaving an unexpected channel count (e.g. grey kept as 1 channel for an RGB model). */
function toChannels(data: Uint8Array, have: number, want: 1 | 3): Uint8Array {
  if (have === want) return data;
  const n = data.length / have;
  const out = new Uint8Array(n * want);
  for (let i = 0; i < n; i++) {
    if (want === 3) {
      const v = data[i * have];
      out[i * 3] = v;
      out[i * 3 + 1] = have >= 3 ? data[i * have + 1] : v;
      out[i * 3 + 2] = have >= 3 ? data[i * have + 2] : v;
    } else if (have >= 3) {
      // Rec. 601 luma, as libvips's b-w conversion.
      out[i] = Math.round(0.299 * data[i * have] + 0.587 * data[i * have + 1] + 0.114 * data[i * have + 2]);
    } else {
      out[i] = data[i * have];
    }
  }
  return out;
}

function tooManyBytes(size: number, max: number): DomainError {
  return new DomainError(ErrorCode.PAYLOAD_TOO_LARGE, `the image is ${size} bytes; the limit is ${max}`, { size, max });
}

function tooManyPixels(width: number, height: number, max: number): DomainError {
  return new DomainError(ErrorCode.IMAGE_TOO_LARGE, `the image declares ${width}×${height} pixels; the limit is ${max}`, {
    width,
    height,
    maxPixels: max,
  });
}

function translate(e: unknown, maxPixels: number): DomainError {
  if (e instanceof DomainError) return e;
  const message = e instanceof Error ? e.message : String(e);
  if (/pixel limit/i.test(message)) {
    return new DomainError(ErrorCode.IMAGE_TOO_LARGE, `the image exceeds ${maxPixels} pixels`, { maxPixels });
  }
  if (/unsupported image format/i.test(message)) return invalidImage('not a supported image (JPEG, PNG, WebP, GIF, TIFF, AVIF, SVG)');
  return invalidImage(`the image could not be decoded: ${message.split('\n')[0]}`);
}

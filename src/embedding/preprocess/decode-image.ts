import { promises as fs } from 'fs';
import sharp, { type Sharp } from 'sharp';
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
 * Formats (issue 13): only raster formats are decoded (RASTER_FORMATS). SVG is
 * refused unless `allowSvg`: its cost is not bounded by its size or declared
 * pixels (2 KB of nested `<use>` costs librsvg seconds of CPU), so it is sniffed
 * from the bytes and refused before libvips parses it. Whatever else libvips
 * recognises (PDF, ImageMagick formats in custom builds) is refused from its header.
 *
 * Time: `timeoutMs` is handed to libvips (sharp's `timeout`, whole seconds),
 * which aborts a pipeline at its next progress tick. It cannot stop one long
 * call inside a loader (an SVG render, a huge progressive JPEG's entropy
 * decode): the services bound how many decodes run at once (decode-admission.ts).
 *
 * Errors are DomainErrors: PAYLOAD_TOO_LARGE (bytes), IMAGE_TOO_LARGE (pixels),
 * UNSUPPORTED_IMAGE (a format that is refused), DECODE_TIMEOUT (libvips gave up),
 * INVALID_IMAGE (empty, truncated, corrupt, not an image). Never a crash.
 */
export interface DecodeLimits {
  /** Max declared width×height of the input (default 40 megapixels). */
  maxPixels?: number;
  /** Max encoded size in bytes (default 20 MiB). */
  maxBytes?: number;
  /** Accept SVG (default false). */
  allowSvg?: boolean;
  /** Time budget handed to libvips (ms, rounded up to whole seconds; default and 0: none). */
  timeoutMs?: number;
}

/** What sharp's metadata calls the formats that are always accepted (heif covers AVIF). */
export const RASTER_FORMATS: readonly string[] = ['jpeg', 'png', 'webp', 'gif', 'tiff', 'heif'];

/** An image's format and declared size, read from its header only (no pixel is decoded). */
export interface ImageHeader {
  format: string;
  width: number;
  /** One frame's height for animated images. */
  height: number;
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
  await probeImage(bytes, { ...limits, maxPixels, maxBytes });
  const input = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const options = { limitInputPixels: maxPixels, failOn: 'error' as const, pages: 1, page: 0 };

  try {
    let pipeline = withTimeout(sharp(input, options), limits.timeoutMs)
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

/**
 * Step 1 alone: byte limit, format (SVG sniffed before libvips sees it), and the
 * header's format and declared size against the limits. Cheap (header only):
 * the services call it to weigh an image before admitting it to a decode.
 */
export async function probeImage(bytes: Uint8Array, limits: DecodeLimits = {}): Promise<ImageHeader> {
  const maxPixels = limits.maxPixels ?? DEFAULT_MAX_PIXELS;
  const maxBytes = limits.maxBytes ?? DEFAULT_MAX_BYTES;
  if (!(bytes instanceof Uint8Array) || bytes.length === 0) throw invalidImage('the image is empty (0 bytes)');
  if (bytes.length > maxBytes) throw tooManyBytes(bytes.length, maxBytes);
  assertAcceptedEncoding(bytes, limits);
  const input = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let meta: Awaited<ReturnType<ReturnType<typeof sharp>['metadata']>>;
  try {
    meta = await sharp(input, { limitInputPixels: maxPixels, failOn: 'error', pages: 1, page: 0 }).metadata();
  } catch (e) {
    throw translate(e, maxPixels);
  }
  const format = String(meta.format ?? 'unknown');
  if (!acceptedFormats(limits).includes(format)) throw unsupported(format);
  // pageHeight is the height of one frame when the input is animated.
  const width = meta.width ?? 0;
  const height = meta.pageHeight ?? meta.height ?? 0;
  if (!width || !height) throw invalidImage('the image has no dimensions');
  if (width * height > maxPixels) throw tooManyPixels(width, height, maxPixels);
  return { format, width, height };
}

/**
 * Refuses, from the first bytes and before libvips parses anything, what must not
 * reach a decoder: SVG (unless allowed) and gzip streams (SVGZ; no raster format
 * starts with the gzip magic). Everything else is left to the header check.
 */
export function assertAcceptedEncoding(bytes: Uint8Array, limits: Pick<DecodeLimits, 'allowSvg'> = {}): void {
  if (limits.allowSvg) return;
  if (bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b) throw unsupported('gzip (SVGZ)');
  if (looksLikeSvg(bytes)) throw unsupported('svg');
}

/** Markup whose first 4 KB hold an `<svg` element (after an optional BOM, XML prolog, comments or doctype). */
export function looksLikeSvg(bytes: Uint8Array): boolean {
  let head = Buffer.from(bytes.buffer, bytes.byteOffset, Math.min(bytes.byteLength, 4096));
  // UTF-16 markup: keep the low bytes so the ASCII tags can be matched.
  if (head.length >= 2 && ((head[0] === 0xff && head[1] === 0xfe) || (head[0] === 0xfe && head[1] === 0xff))) {
    head = Buffer.from(head.filter((b) => b !== 0 && b !== 0xff && b !== 0xfe));
  }
  const text = head
    .toString('latin1')
    .replace(/^\xef\xbb\xbf/, '')
    .trimStart();
  return text.startsWith('<') && /<svg[\s>/:]/i.test(text);
}

function acceptedFormats(limits: Pick<DecodeLimits, 'allowSvg'>): readonly string[] {
  return limits.allowSvg ? [...RASTER_FORMATS, 'svg'] : RASTER_FORMATS;
}

/** libvips's own time budget (whole seconds); it checks it between tiles/scanlines, not inside one loader call. */
function withTimeout(pipeline: Sharp, timeoutMs: number | undefined): Sharp {
  return timeoutMs && timeoutMs > 0 ? pipeline.timeout({ seconds: Math.max(1, Math.ceil(timeoutMs / 1000)) }) : pipeline;
}

function unsupported(format: string): DomainError {
  return new DomainError(
    ErrorCode.UNSUPPORTED_IMAGE,
    `${format === 'svg' ? 'SVG' : format} images are not accepted; send JPEG, PNG, WebP, GIF, TIFF or AVIF`,
    { format, accepted: RASTER_FORMATS.join(',') },
  );
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
  if (/^timeout\b|timeout: \d+% complete/i.test(message)) {
    return new DomainError(ErrorCode.DECODE_TIMEOUT, 'the image took too long to decode', {});
  }
  if (/unsupported image format/i.test(message)) return invalidImage('not a supported image (JPEG, PNG, WebP, GIF, TIFF, AVIF)');
  return invalidImage(`the image could not be decoded: ${message.split('\n')[0]}`);
}

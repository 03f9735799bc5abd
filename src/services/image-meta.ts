import { createHash } from 'crypto';
import sharp from 'sharp';
import { DomainError, ErrorCode, invalidImage } from '../errors';
import { assertAcceptedEncoding } from '../embedding/preprocess/decode-image';

/**
 * What the database records about an enrolled image besides its bytes. Read
 * from the header only (sharp.metadata does not decode pixels); called after
 * the embedder accepted the image, so a failure here is unexpected.
 */
export interface ImageMeta {
  sha256: string;
  mimeType: string;
  width: number;
  height: number;
}

const MIME: Record<string, string> = {
  jpeg: 'image/jpeg',
  png: 'image/png',
  webp: 'image/webp',
  gif: 'image/gif',
  tiff: 'image/tiff',
  avif: 'image/avif',
  heif: 'image/heif',
  svg: 'image/svg+xml',
};

export async function imageMeta(bytes: Uint8Array): Promise<ImageMeta> {
  const sha256 = createHash('sha256').update(bytes).digest('hex');
  try {
    const m = await sharp(bytes, { limitInputPixels: false }).metadata();
    return {
      sha256,
      mimeType: MIME[m.format ?? ''] ?? `image/${m.format ?? 'unknown'}`,
      width: m.autoOrient?.width ?? m.width ?? 0,
      height: m.autoOrient?.height ?? m.height ?? 0,
    };
  } catch (e) {
    throw invalidImage(`image cannot be read: ${(e as Error).message}`);
  }
}

/**
 * Refuses an image whose shorter side is under `minSide` pixels (IMAGE_TOO_SMALL,
 * with the size in details): a 1×1 or 8×8 picture is not a face, a signature or
 * a glyph, whatever the encoder would make of it after stretching it to its
 * input size. Read from the header only, before any decode. Anything the header
 * read cannot judge (corrupt bytes, a refused format such as SVG, which must not
 * reach libvips here) is left to the decoder, which answers it with its own code.
 */
export async function assertMinImageSide(
  bytes: Uint8Array,
  minSide: number,
  argument: string,
  limits: { allowSvg?: boolean } = {},
): Promise<void> {
  if (!(minSide > 1) || bytes.length === 0) return;
  let width: number;
  let height: number;
  try {
    assertAcceptedEncoding(bytes, limits);
    const m = await sharp(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength), {
      limitInputPixels: false,
      pages: 1,
      page: 0,
    }).metadata();
    width = m.width ?? 0;
    // One frame of an animated image.
    height = m.pageHeight ?? m.height ?? 0;
  } catch {
    return;
  }
  if (!width || !height) return;
  if (Math.min(width, height) < minSide) {
    throw new DomainError(
      ErrorCode.IMAGE_TOO_SMALL,
      `${argument}: the image is ${width}×${height} pixels; both sides must be at least ${minSide}`,
      { argument, width, height, minSide },
    );
  }
}

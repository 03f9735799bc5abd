import sharp from 'sharp';
import { DomainError, ErrorCode } from '../../errors';

/**
 * A small JPEG preview of an enrolled image, for the console (issue 15). Here rather than in
 * the services because this layer owns image decoding (sharp/libvips) and its limits.
 *
 * The image is EXIF-rotated (as the embedder sees it), flattened on white (transparent PNGs),
 * and fitted INSIDE a size×size square (aspect kept, never enlarged): a thumbnail that crops
 * would hide the part of the photo a reviewer is checking. sharp writes no metadata unless
 * asked, so EXIF (GPS, camera serials) never leaves the server in a thumbnail.
 */
export const THUMBNAIL_MIN_SIZE = 16;
export const THUMBNAIL_MAX_SIZE = 512;
export const THUMBNAIL_DEFAULT_SIZE = 96;
export const THUMBNAIL_MIME = 'image/jpeg';
const JPEG_QUALITY = 80;

export interface ThumbnailLimits {
  /** libvips refuses inputs declaring more pixels (the stored image passed the enrolment limits already). */
  maxPixels: number;
  /** libvips's time budget; 0: none. */
  timeoutMs: number;
}

export interface Thumbnail {
  bytes: Uint8Array;
  width: number;
  height: number;
  mimeType: string;
}

/** The size asked for, checked: an integer in [THUMBNAIL_MIN_SIZE, THUMBNAIL_MAX_SIZE]. BAD_USER_INPUT otherwise. */
export function thumbnailSize(raw: unknown): number {
  if (raw === undefined || raw === null || raw === '') return THUMBNAIL_DEFAULT_SIZE;
  const n = typeof raw === 'number' ? raw : /^\d{1,4}$/.test(String(raw)) ? Number(raw) : NaN;
  if (!Number.isInteger(n) || n < THUMBNAIL_MIN_SIZE || n > THUMBNAIL_MAX_SIZE) {
    throw new DomainError(
      ErrorCode.BAD_USER_INPUT,
      `size: give an integer from ${THUMBNAIL_MIN_SIZE} to ${THUMBNAIL_MAX_SIZE} (pixels of the longer side)`,
      {
        argument: 'size',
        min: THUMBNAIL_MIN_SIZE,
        max: THUMBNAIL_MAX_SIZE,
      },
    );
  }
  return n;
}

export async function renderThumbnail(bytes: Uint8Array, size: number, limits: ThumbnailLimits): Promise<Thumbnail> {
  const input = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let pipeline = sharp(input, { limitInputPixels: limits.maxPixels, failOn: 'error', pages: 1, page: 0 });
  if (limits.timeoutMs > 0) pipeline = pipeline.timeout({ seconds: Math.max(1, Math.ceil(limits.timeoutMs / 1000)) });
  try {
    const { data, info } = await pipeline
      .rotate()
      .flatten({ background: '#ffffff' })
      .resize(size, size, { fit: 'inside', withoutEnlargement: true })
      .jpeg({ quality: JPEG_QUALITY })
      .toBuffer({ resolveWithObject: true });
    return {
      bytes: new Uint8Array(data.buffer, data.byteOffset, data.byteLength),
      width: info.width,
      height: info.height,
      mimeType: THUMBNAIL_MIME,
    };
  } catch (e) {
    // Stored bytes were decodable at enrolment: a failure here is the store's or libvips's, not the caller's.
    throw new DomainError(ErrorCode.INVALID_IMAGE, `the stored image could not be made into a thumbnail: ${(e as Error).message}`);
  }
}

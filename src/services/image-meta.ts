import { createHash } from 'crypto';
import sharp from 'sharp';
import { invalidImage } from '../errors';

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

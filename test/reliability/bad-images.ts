import * as zlib from 'zlib';
import sharp from 'sharp';
import { syntheticImage, syntheticPixels } from '../fixtures/synthetic-images';

/**
 * Hostile and unusual image files for the reliability tests, built from
 * scratch so each one is exactly the case its name says.
 */

/** A PNG chunk: length, type, data, CRC-32 over type+data (PNG spec §5.3). */
export function pngChunk(type: string, data: Buffer): Buffer {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(zlib.crc32(body) >>> 0);
  return Buffer.concat([len, body, crc]);
}

export const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

/**
 * A decompression bomb: a well-formed PNG header declaring width × height
 * 8-bit gray pixels (50,000² = 2.5 gigapixels), followed by a tiny IDAT of
 * a few zero rows. A decoder that allocates from the header dies; ours must
 * refuse from the header.
 */
export function pngBomb(width = 50_000, height = 50_000): Buffer {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 0; // colour type: grey
  ihdr[10] = 0; // deflate
  ihdr[11] = 0; // adaptive filtering
  ihdr[12] = 0; // no interlace
  // Four scanlines of zeros (filter byte + width bytes each), compressed to a few hundred bytes.
  const idat = zlib.deflateSync(Buffer.alloc(4 * (width + 1)));
  return Buffer.concat([PNG_SIGNATURE, pngChunk('IHDR', ihdr), pngChunk('IDAT', idat), pngChunk('IEND', Buffer.alloc(0))]);
}

/** A valid PNG with bytes in the middle of its compressed data overwritten (CRC now wrong too). */
export async function corruptPng(): Promise<Buffer> {
  const png = Buffer.from(await syntheticImage(3, 0));
  const idat = png.indexOf('IDAT');
  for (let i = idat + 8; i < Math.min(png.length - 16, idat + 200); i += 3) png[i] ^= 0xa5;
  return png;
}

export async function truncatedPng(): Promise<Buffer> {
  const png = await syntheticImage(3, 0);
  return png.subarray(0, Math.floor(png.length / 2));
}

const rgb = (identity: number) => {
  const g = syntheticPixels(identity, 0, 64, 64);
  const out = Buffer.alloc(64 * 64 * 3);
  for (let i = 0; i < g.length; i++) {
    out[i * 3] = g[i];
    out[i * 3 + 1] = 255 - g[i];
    out[i * 3 + 2] = (g[i] * 7) & 255;
  }
  return sharp(out, { raw: { width: 64, height: 64, channels: 3 } });
};

export const png16 = () => rgb(4).toColourspace('rgb16').png().toBuffer();
export const pngPalette = () => rgb(4).png({ palette: true, colours: 16 }).toBuffer();
export const pngAlpha = () => rgb(4).ensureAlpha(0.5).png().toBuffer();
export const jpegCmyk = () => rgb(4).toColourspace('cmyk').jpeg({ quality: 90 }).toBuffer();

/** A two-frame animated GIF (frame 0: identity 5, frame 1: identity 6). */
export async function animatedGif(): Promise<Buffer> {
  const frames = await Promise.all([5, 6].map((n) => syntheticImage(n, 0)));
  return sharp(frames, { join: { animated: true } })
    .gif({ delay: [100, 100] })
    .toBuffer();
}

/** The first frame of a GIF as it decodes, saved losslessly. */
export async function firstFrameAsPng(gif: Buffer): Promise<Buffer> {
  return sharp(gif, { pages: 1, page: 0 }).png().toBuffer();
}

/**
 * A non-square JPEG tagged EXIF orientation 6 ("rotate 90° clockwise to
 * view"), and the same decoded pixels rotated by hand and saved losslessly:
 * a decoder that applies the orientation sees identical pixels in both.
 */
export async function exifRotatedPair(): Promise<{ tagged: Buffer; upright: Buffer; untagged: Buffer }> {
  const base = sharp(Buffer.from(syntheticPixels(7, 0, 80, 48)), { raw: { width: 80, height: 48, channels: 1 } });
  const untagged = await base.clone().jpeg({ quality: 95 }).toBuffer();
  const tagged = await sharp(untagged).withMetadata({ orientation: 6 }).jpeg({ quality: 95 }).toBuffer();
  // Re-encoding may change the pixels slightly: derive the upright version from `tagged` itself.
  const { data, info } = await sharp(tagged, { autoOrient: false }).raw().toBuffer({ resolveWithObject: true });
  const upright = await sharp(data, { raw: { width: info.width, height: info.height, channels: info.channels as 1 | 3 } })
    .rotate(90)
    .png()
    .toBuffer();
  const decodedUntagged = await sharp(tagged, { autoOrient: false }).png().toBuffer();
  return { tagged, upright, untagged: decodedUntagged };
}

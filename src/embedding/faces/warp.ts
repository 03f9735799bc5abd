import type { RgbImage } from './face.types';
import { type Similarity, invertSimilarity } from './similarity-transform';

/**
 * Resamples an RGB image through a similarity transform into a width×height
 * crop: each output pixel centre (u + ½, v + ½) is mapped back into the source
 * by the inverse transform and read with bilinear interpolation; points outside
 * the source take the nearest edge pixel (replicated border), so a face near
 * the frame's edge is not cut by a black wedge the network never saw.
 *
 * Downscaling by more than 2× would alias with plain bilinear reads, so callers
 * shrink the source first (the face stage detects on a photo already shrunk to
 * `maxSide`, and faces are rarely more than twice the crop).
 */
export function warpSimilarity(src: RgbImage, toCrop: Similarity, width: number, height: number): Uint8Array {
  const inv = invertSimilarity(toCrop);
  const out = new Uint8Array(width * height * 3);
  const { data, width: sw, height: sh } = src;
  const clampX = (x: number) => (x < 0 ? 0 : x > sw - 1 ? sw - 1 : x);
  const clampY = (y: number) => (y < 0 ? 0 : y > sh - 1 ? sh - 1 : y);
  for (let v = 0; v < height; v++) {
    for (let u = 0; u < width; u++) {
      const cx = u + 0.5;
      const cy = v + 0.5;
      // Source continuous coordinates, then to pixel-centre indices.
      const sx = clampX(inv.a * cx - inv.b * cy + inv.tx - 0.5);
      const sy = clampY(inv.b * cx + inv.a * cy + inv.ty - 0.5);
      const x0 = Math.floor(sx);
      const y0 = Math.floor(sy);
      const x1 = Math.min(x0 + 1, sw - 1);
      const y1 = Math.min(y0 + 1, sh - 1);
      const fx = sx - x0;
      const fy = sy - y0;
      const o = (v * width + u) * 3;
      const i00 = (y0 * sw + x0) * 3;
      const i01 = (y0 * sw + x1) * 3;
      const i10 = (y1 * sw + x0) * 3;
      const i11 = (y1 * sw + x1) * 3;
      for (let c = 0; c < 3; c++) {
        const top = data[i00 + c] + (data[i01 + c] - data[i00 + c]) * fx;
        const bottom = data[i10 + c] + (data[i11 + c] - data[i10 + c]) * fx;
        out[o + c] = Math.round(top + (bottom - top) * fy);
      }
    }
  }
  return out;
}

/** Pads an image by `pad` pixels on every side, replicating its edge pixels. */
export function padReplicate(src: RgbImage, pad: number): RgbImage {
  const width = src.width + 2 * pad;
  const height = src.height + 2 * pad;
  const data = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++) {
    const sy = Math.min(Math.max(y - pad, 0), src.height - 1);
    for (let x = 0; x < width; x++) {
      const sx = Math.min(Math.max(x - pad, 0), src.width - 1);
      const s = (sy * src.width + sx) * 3;
      const o = (y * width + x) * 3;
      data[o] = src.data[s];
      data[o + 1] = src.data[s + 1];
      data[o + 2] = src.data[s + 2];
    }
  }
  return { data, width, height };
}

/**
 * What the auto recipe (auto-recipe.ts) knows about a user's folder before
 * training: how many identities and images per identity, and — from an evenly
 * spread sample of the images, decoded small — their typical size, whether they
 * are grey (all channels equal), and whether they look like ink on paper
 * (mostly near-white with a little dark: characters, signatures, drawings).
 *
 * Sampling keeps it cheap on any folder: at most `sampleSize` images are read
 * (default 48), each decoded once at 32×32 for the pixel statistics.
 */
import sharp from 'sharp';
import type { LabelledImageSource } from '../data/labelled-image-source';
import type { FaceCheck } from './face-check';

export interface DatasetDescription {
  identities: number;
  images: number;
  /** Images per identity: smallest, median, largest. */
  imagesPerIdentity: { min: number; median: number; max: number };
  /** How many images the pixel statistics below come from. */
  sampled: number;
  /** Median width and height (pixels) of the sampled images. */
  medianWidth: number;
  medianHeight: number;
  /** Share of sampled images whose colour channels are equal (within JPEG noise): grey images. */
  greyShare: number;
  /** Median over sampled images of the share of near-white pixels (luma ≥ 0.8). */
  lightShare: number;
  /** Median over sampled images of the share of dark pixels (luma < 0.5). */
  darkShare: number;
  /** Faces found in a sample (face-check.ts); absent when the check was not run. */
  faces?: FaceCheck;
  /** Why the face check was not run or did not finish (a flag that fixes the encoder, a detector failure). */
  faceCheckSkipped?: string;
}

/** Luma levels (of 255) that count as near-white and as dark. */
const LIGHT = 0.8 * 255;
const DARK = 0.5 * 255;
/** A pixel whose channels differ by more than this (of 255) is coloured; JPEG chroma noise stays under it. */
const CHANNEL_TOLERANCE = 10;
/** Share of coloured pixels above which an image is colour. */
const COLOURED_PIXELS = 0.01;

export function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  const s = [...values].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

/** Pixel statistics of one decoded image (interleaved RGB or grey, 8-bit). */
export function pixelStats(data: Uint8Array, channels: number): { grey: boolean; lightShare: number; darkShare: number } {
  const n = Math.floor(data.length / channels);
  let coloured = 0;
  let light = 0;
  let dark = 0;
  for (let i = 0; i < n; i++) {
    const o = i * channels;
    let luma: number;
    if (channels >= 3) {
      const r = data[o];
      const g = data[o + 1];
      const b = data[o + 2];
      if (Math.max(r, g, b) - Math.min(r, g, b) > CHANNEL_TOLERANCE) coloured++;
      luma = 0.299 * r + 0.587 * g + 0.114 * b;
    } else luma = data[o];
    if (luma >= LIGHT) light++;
    if (luma < DARK) dark++;
  }
  return { grey: coloured <= COLOURED_PIXELS * n, lightShare: light / n, darkShare: dark / n };
}

export async function describeDataset(source: LabelledImageSource, options: { sampleSize?: number } = {}): Promise<DatasetDescription> {
  const images = await source.list();
  const counts = new Map<string, number>();
  for (const img of images) counts.set(img.identity, (counts.get(img.identity) ?? 0) + 1);
  const perIdentity = [...counts.values()];
  const want = Math.min(options.sampleSize ?? 48, images.length);
  // Evenly spread over the (sorted, deterministic) listing: every part of the tree is seen.
  const sample = Array.from({ length: want }, (_, i) => images[Math.floor((i * images.length) / want)]);
  const widths: number[] = [];
  const heights: number[] = [];
  const light: number[] = [];
  const dark: number[] = [];
  let grey = 0;
  for (const img of sample) {
    const bytes = await source.read(img.key);
    const meta = await sharp(bytes).metadata();
    if (meta.width && meta.height) {
      widths.push(meta.width);
      heights.push(meta.height);
    }
    // Flatten any alpha onto white (ink drawn on a transparent sheet is ink on paper).
    const { data, info } = await sharp(bytes)
      .flatten({ background: '#ffffff' })
      .resize(32, 32, { fit: 'fill' })
      .raw()
      .toBuffer({ resolveWithObject: true });
    const stats = pixelStats(data, info.channels);
    if (stats.grey) grey++;
    light.push(stats.lightShare);
    dark.push(stats.darkShare);
  }
  return {
    identities: counts.size,
    images: images.length,
    imagesPerIdentity: { min: Math.min(...perIdentity), median: median(perIdentity), max: Math.max(...perIdentity) },
    sampled: sample.length,
    medianWidth: median(widths),
    medianHeight: median(heights),
    greyShare: sample.length ? grey / sample.length : 1,
    lightShare: median(light),
    darkShare: median(dark),
  };
}

/**
 * Decoded-image cache: every image is decoded once through the serving
 * preprocessing (src/embedding/preprocess), so training and serving see the
 * same tensors, and kept as a Float32Array HWC. The datasets here are small
 * (ORL 400 images, Omniglot 5,840: ~260 MB at 105×105, far less at the sizes
 * we train at). With a face stage in the spec each image is detected and
 * aligned first (the same preprocessImage as serving).
 */
import type { PreprocessSpec } from '../../embedding/model-card';
import { preprocessImage } from '../../embedding/preprocess/preprocess-image';
import type { ImageRef, LabelledImageSource } from './labelled-image-source';
import { DomainError, ErrorCode } from '../../errors';

export class DecodedImageCache {
  private readonly map = new Map<string, Float32Array>();

  constructor(
    private readonly source: LabelledImageSource,
    readonly spec: PreprocessSpec,
  ) {}

  get pixelsPerImage(): number {
    return this.spec.width * this.spec.height * this.spec.channels;
  }

  async get(key: string): Promise<Float32Array> {
    let hit = this.map.get(key);
    if (!hit) {
      hit = (await preprocessImage(await this.source.read(key), this.spec)).input;
      this.map.set(key, hit);
    }
    return hit;
  }

  /** Decodes everything up front with bounded concurrency (sharp runs on libuv threads). */
  async loadAll(images: readonly ImageRef[], concurrency = 4): Promise<Float32Array[]> {
    const out: Float32Array[] = new Array(images.length);
    let next = 0;
    const worker = async () => {
      while (next < images.length) {
        const i = next++;
        out[i] = await this.get(images[i].key);
      }
    };
    await Promise.all(Array.from({ length: Math.min(concurrency, images.length) }, worker));
    return out;
  }
}

/** Packs images (HWC Float32Arrays of equal size) into one NHWC buffer. */
export function packBatch(pixels: readonly Float32Array[], indices: readonly number[]): Float32Array {
  const size = pixels[indices[0]].length;
  const out = new Float32Array(indices.length * size);
  indices.forEach((idx, i) => out.set(pixels[idx], i * size));
  return out;
}

/**
 * Runs the face stage over every image once (filling the cache) and splits off
 * those with no detectable face: a training set of real photos always has a
 * few (profile views, occlusions), and they must not stop a run.
 */
export async function dropFaceless(
  cache: DecodedImageCache,
  images: readonly ImageRef[],
  onProgress?: (done: number, total: number) => void,
  concurrency = 4,
): Promise<{ kept: ImageRef[]; faceless: ImageRef[] }> {
  const ok: boolean[] = new Array(images.length);
  let next = 0;
  let done = 0;
  const worker = async () => {
    while (next < images.length) {
      const i = next++;
      try {
        await cache.get(images[i].key);
        ok[i] = true;
      } catch (e) {
        if (!(e instanceof DomainError && e.code === ErrorCode.NO_FACE_DETECTED)) throw e;
        ok[i] = false;
      }
      onProgress?.(++done, images.length);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, images.length) }, worker));
  return { kept: images.filter((_, i) => ok[i]), faceless: images.filter((_, i) => !ok[i]) };
}

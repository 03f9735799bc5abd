/**
 * Decoded-image cache: every image is decoded once through the serving
 * preprocessing (src/embedding/preprocess), so training and serving see the
 * same tensors, and kept as a Float32Array HWC. The datasets here are small
 * (ORL 400 images, Omniglot 5,840: ~260 MB at 105×105, far less at the sizes
 * we train at).
 */
import type { PreprocessSpec } from '../../embedding/model-card';
import { decodeImage } from '../../embedding/preprocess/decode-image';
import type { ImageRef, LabelledImageSource } from './labelled-image-source';

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
      hit = await decodeImage(await this.source.read(key), this.spec);
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

import * as tf from '@tensorflow/tfjs';
import type { ModelCard } from './model-card';
import { activeBackend } from './backend';
import { loadModelDir } from './model-store';
import { decodeImage, type DecodeLimits } from './preprocess/decode-image';
import { encodeBatch, inferenceSpec } from './preprocess/flip-average';
import { badInput } from '../errors';

export interface EmbedderOptions {
  /** Largest batch sent through the encoder at once (memory bound; default 64). */
  maxBatch?: number;
}

/**
 * Batched inference with one encoder on the current backend (single thread on
 * wasm; see embedding-pool.ts for all cores). Inputs are HWC float32 arrays as
 * produced by decodeImage for `card.preprocessing`; outputs are one
 * Float32Array of `card.architecture.embeddingDim` per input, in input order.
 */
export class Embedder {
  readonly maxBatch: number;
  private disposed = false;

  constructor(
    readonly model: tf.LayersModel,
    readonly card: ModelCard,
    options: EmbedderOptions = {},
  ) {
    this.maxBatch = Math.max(1, Math.floor(options.maxBatch ?? 64));
  }

  static async fromDir(dir: string, options: EmbedderOptions = {}): Promise<Embedder> {
    await activeBackend();
    const { model, card } = await loadModelDir(dir);
    return new Embedder(model, card, options);
  }

  /** Floats per input: height·width·channels. */
  get inputSize(): number {
    const p = this.card.preprocessing;
    return p.height * p.width * p.channels;
  }

  get dim(): number {
    return this.card.architecture.embeddingDim;
  }

  async embedInputs(inputs: Float32Array[]): Promise<Float32Array[]> {
    this.assertOpen();
    const size = this.inputSize;
    inputs.forEach((x, i) => {
      if (!(x instanceof Float32Array) || x.length !== size) {
        throw badInput(`input ${i} has ${x?.length ?? 0} values; the model takes ${size} (${this.shapeText()})`);
      }
    });
    const out: Float32Array[] = [];
    for (let start = 0; start < inputs.length; start += this.maxBatch) {
      const chunk = inputs.slice(start, start + this.maxBatch);
      out.push(...(await this.embedChunk(chunk)));
    }
    return out;
  }

  /** Decodes (see decodeImage: EXIF, alpha, limits → DomainErrors) and embeds; rejects on the first bad image. */
  async embedImages(images: Uint8Array[], limits?: DecodeLimits): Promise<Float32Array[]> {
    this.assertOpen();
    const inputs = await Promise.all(images.map((bytes) => decodeImage(bytes, this.card.preprocessing, limits)));
    return this.embedInputs(inputs);
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.model.dispose();
  }

  private async embedChunk(chunk: Float32Array[]): Promise<Float32Array[]> {
    const { height, width, channels } = this.card.preprocessing;
    const size = this.inputSize;
    const batch = new Float32Array(chunk.length * size);
    chunk.forEach((x, i) => batch.set(x, i * size));
    const y = tf.tidy(() => encodeBatch(this.model, tf.tensor4d(batch, [chunk.length, height, width, channels]), inferenceSpec(this.card)));
    let data: Float32Array;
    try {
      data = (await y.data()) as Float32Array;
    } finally {
      y.dispose();
    }
    const d = y.shape[y.shape.length - 1] as number;
    return chunk.map((_, i) => data.slice(i * d, (i + 1) * d));
  }

  private shapeText(): string {
    const p = this.card.preprocessing;
    return `${p.height}×${p.width}×${p.channels}`;
  }

  private assertOpen(): void {
    if (this.disposed) throw new Error('Embedder was disposed');
  }
}

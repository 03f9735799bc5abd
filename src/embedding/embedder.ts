import * as tf from '@tensorflow/tfjs';
import type { ModelCard } from './model-card';
import { activeBackend } from './backend';
import { loadModelDir } from './model-store';
import type { DecodeLimits } from './preprocess/decode-image';
import { encodeBatch, inferenceSpec } from './preprocess/flip-average';
import { preprocessImage } from './preprocess/preprocess-image';
import { defaultFaceDetector } from './faces/face-api.detector';
import type { FaceDetector } from './faces/face-detector.port';
import { detectAllFaces } from './faces/face-stage';
import type { FaceInfo } from './faces/face.types';
import { DomainError, badInput } from '../errors';

export interface EmbedderOptions {
  /** Largest batch sent through the encoder at once (memory bound; default 64). */
  maxBatch?: number;
  /** Face detector of the face stage (default: this thread's face-api detector); only cards with `preprocessing.face` use it. */
  faceDetector?: FaceDetector;
}

/** One embedded image: its vector and, for a model with a face stage, the face it was computed from. */
export interface EmbeddedImage {
  vector: Float32Array;
  face?: FaceInfo;
}

/**
 * Batched inference with one encoder on the current backend (single thread on
 * wasm; see embedding-pool.ts for all cores). Inputs are HWC float32 arrays as
 * produced by preprocessImage for `card.preprocessing` (with a face stage:
 * detect → align → crop; without one: decodeImage, unchanged); outputs are one
 * Float32Array of `card.architecture.embeddingDim` per input, in input order.
 */
export class Embedder {
  readonly maxBatch: number;
  private readonly faceDetector: FaceDetector | undefined;
  private disposed = false;

  constructor(
    readonly model: tf.LayersModel,
    readonly card: ModelCard,
    options: EmbedderOptions = {},
  ) {
    this.maxBatch = Math.max(1, Math.floor(options.maxBatch ?? 64));
    this.faceDetector = options.faceDetector;
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

  /** True when the card has a face stage (every image must show a face: NO_FACE_DETECTED otherwise). */
  get hasFaceStage(): boolean {
    return this.card.preprocessing.face !== undefined;
  }

  /**
   * Preprocesses (see preprocessImage: EXIF, alpha, limits, face stage → DomainErrors)
   * and embeds; rejects on the first bad image, whose position is `details.index`.
   */
  async embedImages(images: Uint8Array[], limits?: DecodeLimits): Promise<Float32Array[]> {
    return (await this.embedImagesWithFaces(images, limits)).map((e) => e.vector);
  }

  /** embedImages, plus the face each vector was computed from (absent for models without a face stage). */
  async embedImagesWithFaces(images: Uint8Array[], limits?: DecodeLimits): Promise<EmbeddedImage[]> {
    this.assertOpen();
    const prepared = await Promise.all(
      images.map((bytes, index) =>
        preprocessImage(bytes, this.card.preprocessing, limits, this.detector()).catch((e: unknown) => {
          throw withIndex(e, index);
        }),
      ),
    );
    const vectors = await this.embedInputs(prepared.map((p) => p.input));
    return vectors.map((vector, i) => {
      const face = prepared[i].face;
      return face ? { vector, face } : { vector };
    });
  }

  /**
   * Every face the card's face stage finds in the image, largest first ([] when
   * none). A model without a face stage has no detector settings: BAD_USER_INPUT.
   */
  async detectFaces(bytes: Uint8Array, limits?: DecodeLimits): Promise<FaceInfo[]> {
    this.assertOpen();
    const face = this.card.preprocessing.face;
    if (!face) throw badInput(`model ${this.card.version} has no face stage: it embeds whole images and detects no faces`);
    return detectAllFaces(bytes, face, this.detector(), limits);
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

  private detector(): FaceDetector {
    return this.faceDetector ?? defaultFaceDetector();
  }

  private assertOpen(): void {
    if (this.disposed) throw new Error('Embedder was disposed');
  }
}

/**
 * Says which image of a batch was refused, so a caller can name the argument
 * without embedding the batch again one by one (costly with a face stage).
 */
function withIndex(e: unknown, index: number): unknown {
  if (!(e instanceof DomainError) || typeof e.details.index === 'number') return e;
  return new DomainError(e.code, e.message, { ...e.details, index });
}

import type { FaceInfo } from '../embedding/faces/face.types';
import type { ModelCard } from '../embedding/model-card';
import type { VectorIndex } from '../index/vector-index';

/**
 * What the services need from an embedder (src/embedding's Embedder and its
 * worker-pool twin both fit). `limits` bound decoding (pixels, bytes).
 * A refused image rejects with its DomainError; `details.index` (when set) is
 * its position in `images`.
 *
 * The face members are optional so an embedder without a face stage (test
 * doubles, older adapters) still fits: without `embedImagesWithFaces` no face
 * is reported, without `detectFaces` the service detects on its own thread.
 */
export interface EmbedderPort {
  readonly card: ModelCard;
  embedImages(images: Uint8Array[], limits?: DecodeLimitsPort): Promise<Float32Array[]>;
  /** embedImages plus, for a model with a face stage, the face each vector was computed from. */
  embedImagesWithFaces?(images: Uint8Array[], limits?: DecodeLimitsPort): Promise<EmbeddedImagePort[]>;
  /** Every face the model's face stage finds, largest first ([] when none). */
  detectFaces?(bytes: Uint8Array, limits?: DecodeLimitsPort): Promise<FaceInfo[]>;
  dispose?(): void | Promise<void>;
}

export interface EmbeddedImagePort {
  vector: Float32Array;
  face?: FaceInfo;
}

export interface DecodeLimitsPort {
  maxPixels?: number;
  maxBytes?: number;
  /** Accept SVG (refused by default: its decode cost is unbounded). */
  allowSvg?: boolean;
  /** Decoder time budget (ms; 0 or absent: none). */
  timeoutMs?: number;
}

/** What embeds with one model version: the served model, or its companion (no index of its own). */
export interface EncoderModel {
  /** ModelVersion.version: the key of this model's embeddings in the database. */
  readonly version: string;
  readonly card: ModelCard;
  readonly embedder: EmbedderPort;
}

/**
 * A second encoder that answers verifyIdentity from `fromReferences` references on (SIAMESE_COMPANION_MODEL;
 * companion-model.ts). It has no index: verifyIdentity reads references by image id, and its vectors are stored
 * lazily under its own version.
 */
export interface CompanionModel extends EncoderModel {
  readonly dir: string;
  readonly fromReferences: number;
}

/**
 * A model and the index of its vectors, held together as ONE immutable
 * object: a request takes `active.current` once and uses that pair for its
 * whole life, so a swap (retraining, activateModel) can never hand it a
 * query vector from one model and neighbours from another.
 */
export interface ServingModel {
  /** ModelVersion.version: the key of this model's embeddings in the database. */
  readonly version: string;
  readonly card: ModelCard;
  readonly dir: string;
  readonly embedder: EmbedderPort;
  readonly index: VectorIndex;
  /** Served with this model only (the configured one; never a retrained version): see companion-model.ts. */
  readonly companion?: CompanionModel;
}

export class ActiveModel {
  private pair: ServingModel;
  private readonly listeners = new Set<(next: ServingModel, previous: ServingModel) => void>();

  constructor(initial: ServingModel) {
    this.pair = Object.freeze({ ...initial });
  }

  get current(): ServingModel {
    return this.pair;
  }

  /**
   * Swaps in a new pair in one assignment. Requests that already took the old
   * pair finish on it; the caller disposes of the old embedder once they drain.
   */
  swap(next: ServingModel): ServingModel {
    const previous = this.pair;
    this.pair = Object.freeze({ ...next });
    for (const l of this.listeners) l(this.pair, previous);
    return previous;
  }

  onSwap(listener: (next: ServingModel, previous: ServingModel) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}

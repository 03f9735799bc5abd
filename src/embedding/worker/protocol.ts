import type { FaceInfo } from '../faces/face.types';
import type { ModelCard } from '../model-card';
import type { DecodeLimits } from '../preprocess/decode-image';
import { DomainError, ErrorCode } from '../../errors';

/**
 * Messages between EmbeddingPool (main thread) and embedding.worker.
 * 'image' is preprocessed (face stage included) and embedded; 'input' is an
 * already preprocessed tensor; 'detect' lists the faces of an image (the
 * detectFaces query) and never reaches the encoder.
 */
export type WorkItem =
  | { kind: 'image'; bytes: Uint8Array; limits?: DecodeLimits }
  | { kind: 'input'; data: Float32Array }
  | { kind: 'detect'; bytes: Uint8Array; limits?: DecodeLimits };

export interface SerializedError {
  domain: boolean;
  code?: string;
  message: string;
  details?: Record<string, unknown>;
}

/** `face`: the face an 'image' item was embedded from (models with a face stage); `faces`: a 'detect' item's answer. */
export type ItemResult =
  { ok: true; vector: Float32Array; face?: FaceInfo } | { ok: true; faces: FaceInfo[] } | { ok: false; error: SerializedError };

export type ToWorker =
  | { type: 'init'; modelDir: string; backend: string; maxBatch: number }
  | { type: 'job'; id: number; items: WorkItem[] }
  | { type: 'close' };

export type FromWorker =
  | { type: 'ready'; card: ModelCard; backend: string }
  | { type: 'init-error'; error: SerializedError }
  | { type: 'result'; id: number; results: ItemResult[] }
  | { type: 'job-error'; id: number; error: SerializedError };

export function serializeError(e: unknown): SerializedError {
  if (e instanceof DomainError) return { domain: true, code: e.code, message: e.message, details: e.details };
  return { domain: false, message: e instanceof Error ? e.message : String(e) };
}

export function deserializeError(s: SerializedError): Error {
  if (s.domain && s.code) return new DomainError(s.code as ErrorCode, s.message, s.details ?? {});
  return new Error(s.message);
}

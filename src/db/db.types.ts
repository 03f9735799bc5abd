/**
 * Plain records the repositories return. No Prisma type crosses this boundary, so the
 * SQLite and PostgreSQL clients look the same to the services, and a test can build
 * these objects by hand.
 */
import type { DbProvider } from './database-url';

export type { DbProvider };

export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };
export type JsonObject = { [key: string]: JsonValue };

export interface IdentityRecord {
  id: string;
  name: string;
  metadata: JsonObject | null;
  createdAt: Date;
  updatedAt: Date;
  /** Number of enrolled images. */
  imageCount: number;
}

export interface EnrolledImageRecord {
  id: string;
  identityId: string;
  sha256: string;
  mimeType: string;
  width: number;
  height: number;
  byteSize: number;
  createdAt: Date;
}

export interface NewImage {
  bytes: Uint8Array;
  /** Hex SHA-256 of `bytes`; computed when omitted. */
  sha256?: string;
  mimeType: string;
  width: number;
  height: number;
}

export interface EmbeddingRecord {
  id: string;
  imageId: string;
  identityId: string;
  modelVersion: string;
  label: number;
  dimension: number;
  vector: Float32Array;
  createdAt: Date;
}

/** Where a vector lives in an index: the model version's index and its integer label. */
export interface VectorRef {
  modelVersion: string;
  label: number;
}

export interface LabelledVector {
  label: number;
  vector: Float32Array;
}

export interface LabelOwner {
  label: number;
  imageId: string;
  identityId: string;
}

/** Keyset pagination: items after `after` (an opaque cursor from a previous page). */
export interface PageArgs {
  first: number;
  after?: string | null;
}

export interface Page<T> {
  items: T[];
  /** Cursor of each item, same order (Relay edges). */
  cursors: string[];
  endCursor: string | null;
  hasNextPage: boolean;
}

export type PairSource = 'admin' | 'correction';

/** One side of a labelled pair: an enrolled image, or bytes uploaded with the label. */
export type PairImageInput = { imageId: string } | { bytes: Uint8Array; sha256?: string };

export interface NewLabelledPair {
  a: PairImageInput;
  b: PairImageInput;
  same: boolean;
  /** Sample weight in training (default 1; corrections usually weigh more). */
  weight?: number;
  source: PairSource;
  note?: string | null;
  /**
   * The identities an uploaded side shows (right to erasure: deleteIdentity erases every pair
   * tagged with the person). Enrolled sides tag their own identity automatically.
   */
  identityIds?: readonly string[];
}

export interface LabelledPairRecord {
  id: string;
  imageAId: string | null;
  imageASha256: string;
  imageBId: string | null;
  imageBSha256: string;
  same: boolean;
  weight: number;
  source: PairSource;
  note: string | null;
  createdAt: Date;
  /** The identities this pair shows (enrolled sides' owners and the ones named when labelling), sorted. */
  identityIds: string[];
}

/** One negative labelled for an identity: the other side of its pair (labelled-pair.repository.ts negativesOf). */
export interface LabelledNegative {
  pairId: string;
  createdAt: Date;
  /** The other side when it is an enrolled image (of another identity); null for uploaded bytes. */
  imageId: string | null;
  /** The uploaded bytes when the other side is not an enrolled image. */
  bytes: Uint8Array | null;
}

/** A pair with both images' bytes resolved (enrolled image bytes or the stored upload). */
export interface LabelledPairWithBytes extends LabelledPairRecord {
  imageABytes: Uint8Array;
  imageBBytes: Uint8Array;
}

export interface ModelVersionRecord {
  version: string;
  dir: string;
  fingerprint: string;
  metric: string;
  card: JsonValue;
  active: boolean;
  activatedAt: Date | null;
  createdAt: Date;
}

export interface NewModelVersion {
  version: string;
  dir: string;
  fingerprint: string;
  metric: string;
  card: JsonValue;
}

export const TRAINING_STATUSES = ['QUEUED', 'RUNNING', 'EVALUATING', 'REINDEXING', 'SUCCEEDED', 'FAILED', 'CANCELLED'] as const;
export type TrainingStatus = (typeof TRAINING_STATUSES)[number];
/** Statuses of a run that has not finished: at most one such run should exist. */
export const ACTIVE_TRAINING_STATUSES: readonly TrainingStatus[] = ['QUEUED', 'RUNNING', 'EVALUATING', 'REINDEXING'];
export const FINAL_TRAINING_STATUSES: readonly TrainingStatus[] = ['SUCCEEDED', 'FAILED', 'CANCELLED'];

export interface TrainingRunRecord {
  id: string;
  status: TrainingStatus;
  options: JsonValue;
  progress: JsonValue | null;
  metrics: JsonValue | null;
  baseModelVersion: string | null;
  newModelVersion: string | null;
  error: string | null;
  createdAt: Date;
  startedAt: Date | null;
  finishedAt: Date | null;
  heartbeatAt: Date | null;
}

export interface TrainingRunPatch {
  progress?: JsonValue | null;
  metrics?: JsonValue | null;
  newModelVersion?: string | null;
  error?: string | null;
  startedAt?: Date | null;
  finishedAt?: Date | null;
  heartbeatAt?: Date | null;
}

/** What an Erasure row records as erased (ids only: no name, bytes or hash survives). */
export type ErasureKind = 'identity' | 'image' | 'labelledPair';

/** Erasures per kind, e.g. those touching the data a training run read. */
export type ErasureCounts = Record<ErasureKind, number>;

/**
 * Row → record conversions, the only place that knows Prisma's row shapes. Rows are typed
 * structurally (not with Prisma types) so both generated clients' results fit.
 */
import type {
  EnrolledImageRecord,
  IdentityRecord,
  JsonObject,
  JsonValue,
  LabelledPairRecord,
  ModelVersionRecord,
  PairSource,
  TrainingRunRecord,
  TrainingStatus,
} from './db.types';

export interface IdentityRow {
  id: string;
  name: string;
  metadata: unknown;
  createdAt: Date;
  updatedAt: Date;
  _count?: { images: number };
}

export const identitySelect = {
  id: true,
  name: true,
  metadata: true,
  createdAt: true,
  updatedAt: true,
  _count: { select: { images: true } },
} as const;

export function toIdentity(row: IdentityRow): IdentityRecord {
  return {
    id: row.id,
    name: row.name,
    metadata: (row.metadata ?? null) as JsonObject | null,
    createdAt: row.createdAt,
    updatedAt: row.updatedAt,
    imageCount: row._count?.images ?? 0,
  };
}

/** Every image column but the bytes: listing never drags megabytes along. */
export const imageSelect = {
  id: true,
  identityId: true,
  sha256: true,
  mimeType: true,
  width: true,
  height: true,
  byteSize: true,
  createdAt: true,
} as const;

export function toImage(row: EnrolledImageRecord): EnrolledImageRecord {
  return {
    id: row.id,
    identityId: row.identityId,
    sha256: row.sha256,
    mimeType: row.mimeType,
    width: row.width,
    height: row.height,
    byteSize: row.byteSize,
    createdAt: row.createdAt,
  };
}

export const pairSelect = {
  id: true,
  imageAId: true,
  imageASha256: true,
  imageBId: true,
  imageBSha256: true,
  same: true,
  weight: true,
  source: true,
  note: true,
  createdAt: true,
  subjects: { select: { identityId: true } },
} as const;

export function toPair(
  row: Omit<LabelledPairRecord, 'source' | 'identityIds'> & { source: string; subjects: Array<{ identityId: string }> },
): LabelledPairRecord {
  return {
    id: row.id,
    imageAId: row.imageAId,
    imageASha256: row.imageASha256,
    imageBId: row.imageBId,
    imageBSha256: row.imageBSha256,
    same: row.same,
    weight: row.weight,
    source: row.source as PairSource,
    note: row.note,
    createdAt: row.createdAt,
    identityIds: row.subjects.map((s) => s.identityId).sort(),
  };
}

export function toModelVersion(row: {
  version: string;
  dir: string;
  fingerprint: string;
  metric: string;
  card: unknown;
  active: boolean;
  activatedAt: Date | null;
  createdAt: Date;
}): ModelVersionRecord {
  return {
    version: row.version,
    dir: row.dir,
    fingerprint: row.fingerprint,
    metric: row.metric,
    card: row.card as JsonValue,
    active: row.active,
    activatedAt: row.activatedAt,
    createdAt: row.createdAt,
  };
}

export function toTrainingRun(row: {
  id: string;
  status: string;
  options: unknown;
  progress: unknown;
  metrics: unknown;
  baseModelVersion: string | null;
  newModelVersion: string | null;
  error: string | null;
  createdAt: Date;
  startedAt: Date | null;
  finishedAt: Date | null;
  heartbeatAt: Date | null;
}): TrainingRunRecord {
  return {
    id: row.id,
    status: row.status as TrainingStatus,
    options: row.options as JsonValue,
    progress: (row.progress ?? null) as JsonValue | null,
    metrics: (row.metrics ?? null) as JsonValue | null,
    baseModelVersion: row.baseModelVersion,
    newModelVersion: row.newModelVersion,
    error: row.error,
    createdAt: row.createdAt,
    startedAt: row.startedAt,
    finishedAt: row.finishedAt,
    heartbeatAt: row.heartbeatAt,
  };
}

/** Prisma 6 returns Uint8Array for Bytes; hand callers a Buffer view (no copy). */
export function toBuffer(bytes: Uint8Array): Buffer {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

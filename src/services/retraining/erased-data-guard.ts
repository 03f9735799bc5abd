/**
 * Right to erasure vs. training: a run reads its data as one snapshot at its start
 * (readTrainingSnapshot) and keeps the ids it read. If any of them is erased before the model
 * goes live, the model learnt from someone who asked to be forgotten: it is refused (never
 * promoted, never activated) and deleted, files included. The check compares ids with the
 * Erasure log, so it needs no clock and sees erasures made by any process.
 *
 * The ids also travel with the model directory (`training-snapshot.json`), so a version left
 * behind by an interrupted run is checked the same way when someone activates it later.
 */
import * as fs from 'fs';
import * as path from 'path';
import type { ErasureCounts, ErasureRepository, UsedIds } from '../../db';
import { DomainError, ErrorCode } from '../../errors';

/** Beside the model files: the ids of the identities, images and pairs the model was trained on. */
export const TRAINING_SNAPSHOT_FILE = 'training-snapshot.json';

export function anyErased(c: ErasureCounts): boolean {
  return c.identity + c.image + c.labelledPair > 0;
}

const plural = (n: number, one: string, many: string) => `${n} ${n === 1 ? one : many}`;

/** Kinds and counts only: an error message must never name the person. */
export function describeErased(c: ErasureCounts): string {
  const parts = [
    c.identity > 0 ? plural(c.identity, 'identity', 'identities') : null,
    c.image > 0 ? plural(c.image, 'image', 'images') : null,
    c.labelledPair > 0 ? plural(c.labelledPair, 'labelled pair', 'labelled pairs') : null,
  ].filter((p): p is string => p !== null);
  return parts.join(', ');
}

export function trainedOnErasedData(c: ErasureCounts, what: string): DomainError {
  return new DomainError(
    ErrorCode.TRAINED_ON_ERASED_DATA,
    `${ErrorCode.TRAINED_ON_ERASED_DATA}: ${describeErased(c)} this model was trained on ${c.identity + c.image + c.labelledPair === 1 ? 'was' : 'were'} erased after training started; ${what}`,
    { erased: { identities: c.identity, images: c.image, labelledPairs: c.labelledPair } },
  );
}

export function writeSnapshotIds(modelDir: string, used: UsedIds): void {
  fs.writeFileSync(
    path.join(modelDir, TRAINING_SNAPSHOT_FILE),
    JSON.stringify({ identityIds: used.identityIds, imageIds: used.imageIds, pairIds: used.pairIds }),
  );
}

/** The ids recorded beside a model, or null for a model not trained by the service (CLI, shipped). */
export function readSnapshotIds(modelDir: string): UsedIds | null {
  const file = path.join(modelDir, TRAINING_SNAPSHOT_FILE);
  if (!fs.existsSync(file)) return null;
  let raw: Partial<Record<keyof UsedIds, unknown>>;
  try {
    raw = JSON.parse(fs.readFileSync(file, 'utf8')) as Partial<Record<keyof UsedIds, unknown>>;
  } catch (e) {
    // Unreadable: nothing proves the model is free of erased data, so it is not used.
    throw new DomainError(ErrorCode.MODEL_INCOMPATIBLE, `${TRAINING_SNAPSHOT_FILE} in ${modelDir} is unreadable: ${(e as Error).message}`);
  }
  const ids = (v: unknown): string[] => (Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : []);
  return { identityIds: ids(raw.identityIds), imageIds: ids(raw.imageIds), pairIds: ids(raw.pairIds) };
}

export class ErasedDataGuard {
  constructor(private readonly erasures: ErasureRepository) {}

  /** Erasures that touch `used`, or null when none does. */
  async erasedFrom(used: UsedIds): Promise<ErasureCounts | null> {
    const c = await this.erasures.touching(used);
    return anyErased(c) ? c : null;
  }

  /** Like erasedFrom for the ids recorded in a model directory (null: none recorded, or none erased). */
  async erasedFromModelDir(modelDir: string): Promise<ErasureCounts | null> {
    const used = readSnapshotIds(modelDir);
    return used ? this.erasedFrom(used) : null;
  }
}

import type { Metric } from '../metric/metric';
import type { VectorIndex } from '../index/vector-index';

/**
 * An index that lives OUTSIDE this process and is shared by every replica
 * (SIAMESE_INDEX=pgvector: src/db/pgvector.index.ts implements it, main.ts wires
 * it). IndexLifecycle opens each model version's index through it instead of
 * loading or rebuilding a file: nothing is saved, nothing is held in memory
 * but the connection, and a replica that starts finds the index already there.
 */
export interface SharedIndexProvider {
  readonly kind: 'pgvector';
  /**
   * Opens the index of `version` (creating it when missing). `created`: nothing was
   * there, so the caller loads every vector before calling `finish` (which builds the
   * search graph once, much faster than growing it insert by insert).
   */
  open(version: string, metric: Metric, dimension: number): Promise<SharedIndex>;
}

export interface SharedIndex {
  index: VectorIndex;
  created: boolean;
  finish(): Promise<void>;
}

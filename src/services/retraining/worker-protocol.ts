/**
 * Messages between the service (parent) and the training child process. The child only
 * READS the database; every write goes through the parent's one connection: the run row,
 * the new ModelVersion (inactive) and the new model's embeddings. One writer per SQLite
 * file means no SQLITE_BUSY between the two processes (a deferred transaction in the
 * server that read before the child committed would otherwise fail with "database is
 * locked", e.g. an enrollment during re-embedding). The child saves the model directory;
 * nothing it produces is visible to queries until the parent swaps.
 */
import type { UsedIds } from '../../db';
import type { ModelCard } from '../../embedding/model-card';
import type { RetrainOptions } from './retrain-options';
import type { RunMetrics, RunProgress } from './run-state';

export interface WorkerJob {
  runId: string;
  databaseUrl: string;
  dataDir: string;
  /** Where the new model directory goes: `<modelsDir>/<newVersion>/`. */
  modelsDir: string;
  newVersion: string;
  base: { version: string; dir: string };
  options: RetrainOptions;
  /** tfjs backend of the child (training + re-embedding); default 'auto' = the fastest available. */
  backend: string | undefined;
  /** Test knobs: images per re-embedding chunk, and a pause after each chunk (ms). */
  embedChunk?: number;
  embedDelayMs?: number;
  /** Test knob: a pause right after the training snapshot is read (ms), to erase data mid-run. */
  afterSnapshotDelayMs?: number;
}

export type ToWorker =
  | { type: 'start'; job: WorkerJob }
  | { type: 'cancel' }
  /** Reply to a 'write' request: done, or why it failed. */
  | { type: 'ack'; seq: number; error?: string };

/** Writes the child asks the parent to make (each answered by one 'ack'). */
export type WriteRequest =
  | { kind: 'registerModel'; version: string; dir: string; card: ModelCard }
  | { kind: 'embeddings'; version: string; items: Array<{ imageId: string; vector: Float32Array }> };

export type WorkerPhase = 'RUNNING' | 'EVALUATING' | 'REINDEXING';

export type FromWorker =
  | { type: 'phase'; status: WorkerPhase }
  | { type: 'progress'; progress: RunProgress }
  | { type: 'metrics'; metrics: RunMetrics }
  /** The ids the run's snapshot read (sent once, before training). */
  | { type: 'snapshot'; used: UsedIds }
  | { type: 'write'; seq: number; request: WriteRequest }
  | { type: 'done'; result: WorkerResult }
  | { type: 'cancelled' }
  | { type: 'error'; message: string; code?: string };

export interface WorkerResult {
  version: string;
  dir: string;
  card: ModelCard;
  promoted: boolean;
  metrics: RunMetrics;
}

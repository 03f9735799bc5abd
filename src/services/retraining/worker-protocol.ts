/**
 * Messages between the service (parent) and the training child process. The parent
 * owns the TrainingRun row (every status change and progress write goes through it);
 * the child only computes: it trains, saves the model directory, registers the new
 * ModelVersion (inactive) and writes the new model's embeddings + index file beside the
 * serving ones. Nothing the child writes is visible to queries until the parent swaps.
 */
import type { IndexSettings } from '../../config';
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
  index: IndexSettings;
  /** Test knobs: images per re-embedding chunk, and a pause after each chunk (ms). */
  embedChunk?: number;
  embedDelayMs?: number;
}

export type ToWorker = { type: 'start'; job: WorkerJob } | { type: 'cancel' };

export type WorkerPhase = 'RUNNING' | 'EVALUATING' | 'REINDEXING';

export type FromWorker =
  | { type: 'phase'; status: WorkerPhase }
  | { type: 'progress'; progress: RunProgress }
  | { type: 'metrics'; metrics: RunMetrics }
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

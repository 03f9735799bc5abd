/**
 * The training run state machine, as the service drives it:
 *
 *   QUEUED → RUNNING → EVALUATING → REINDEXING → SUCCEEDED
 *                              └──────────────→ SUCCEEDED   (not promoted: nothing to reindex)
 *   any active state → FAILED | CANCELLED
 *
 * Final states never change. The database enforces the same rule with compare-and-set
 * transitions (TrainingRunRepository.transition); this table is what the service asks
 * for, and what the unit tests pin down.
 */
import type { TrainingStatus } from '../../db';

const NEXT: Record<TrainingStatus, readonly TrainingStatus[]> = {
  QUEUED: ['RUNNING', 'FAILED', 'CANCELLED'],
  RUNNING: ['EVALUATING', 'FAILED', 'CANCELLED'],
  EVALUATING: ['REINDEXING', 'SUCCEEDED', 'FAILED', 'CANCELLED'],
  REINDEXING: ['SUCCEEDED', 'FAILED', 'CANCELLED'],
  SUCCEEDED: [],
  FAILED: [],
  CANCELLED: [],
};

export function canTransition(from: TrainingStatus, to: TrainingStatus): boolean {
  return NEXT[from].includes(to);
}

/** The states from which `to` may be entered (the `from` of a compare-and-set). */
export function predecessors(to: TrainingStatus): TrainingStatus[] {
  return (Object.keys(NEXT) as TrainingStatus[]).filter((s) => NEXT[s].includes(to));
}

export function isFinal(s: TrainingStatus): boolean {
  return NEXT[s].length === 0;
}

/** Progress as stored in TrainingRun.progress and served as TrainingProgress. */
export interface RunProgress {
  /** What the worker is doing: loading, training, evaluating, embedding, indexing, swapping. */
  phase: string;
  step: number;
  total: number;
  loss: number | null;
  pairsPerSec: number | null;
  etaSeconds: number | null;
  /** Images re-embedded with the new model so far / to do (REINDEXING). */
  embedded?: number;
  toEmbed?: number;
}

/** Metrics as stored in TrainingRun.metrics. */
export interface RunMetrics {
  heldOut: {
    /** True when the pairs come from identities the new model never trained on. */
    disjoint: boolean;
    identities: number;
    images: number;
    positivePairs: number;
    negativePairs: number;
  };
  old: ModelScore | null;
  new: ModelScore | null;
  /** Explicit labelled pairs used in training (corrections included). */
  labelledPairs: number;
  trainingImages: number;
  trainingIdentities: number;
  promoted: boolean | null;
  decision: string | null;
  wallTimeSec?: number;
}

export interface ModelScore {
  version: string;
  auc: number;
  eer: number;
  /** Share of held-out pairs decided right at the model's own default threshold. */
  accuracy: number | null;
  /** Share of the explicit labelled pairs the model gets right at its threshold. */
  labelledPairAccuracy: number | null;
}

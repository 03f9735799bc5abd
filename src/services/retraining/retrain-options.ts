/**
 * The options of one retraining run, as the API takes them (RetrainInput) and as
 * they are stored in TrainingRun.options: every default filled in at creation,
 * so a run's record says exactly what it did.
 */
import { badInput } from '../../errors';

export type PromotePolicy = 'IF_BETTER' | 'ALWAYS' | 'NEVER';
export const PROMOTE_POLICIES: readonly PromotePolicy[] = ['IF_BETTER', 'ALWAYS', 'NEVER'];
export type RetrainLoss = 'contrastive' | 'triplet';

export interface RetrainOptionsInput {
  steps?: number | null;
  epochs?: number | null;
  loss?: RetrainLoss | null;
  margin?: number | null;
  learningRate?: number | null;
  batchSize?: number | null;
  fromScratch?: boolean | null;
  promote?: PromotePolicy | null;
  seed?: number | null;
}

export interface RetrainOptions {
  /** Total optimiser steps over the run (split evenly over the epochs). */
  steps: number;
  epochs: number;
  loss: RetrainLoss;
  margin: number;
  learningRate: number;
  /** Pairs per step (contrastive) or images per step (triplet). */
  batchSize: number;
  /** false: fine-tune the active model (warm start); true: fresh weights, same architecture. */
  fromScratch: boolean;
  promote: PromotePolicy;
  seed: number;
}

export const RETRAIN_LIMITS = { maxSteps: 100_000, maxEpochs: 1000, maxBatch: 512 } as const;

/**
 * Fills defaults and refuses nonsense with BAD_USER_INPUT. Fine-tuning defaults to a
 * 10× smaller learning rate than training from scratch: a warm start that takes big steps
 * forgets what the base model knew before the few new pairs can teach anything.
 */
export function resolveRetrainOptions(input: RetrainOptionsInput | null | undefined, seedFallback: number): RetrainOptions {
  const i = input ?? {};
  const fromScratch = i.fromScratch ?? false;
  const epochs = i.epochs ?? 1;
  const steps = i.steps ?? 100 * epochs;
  const loss = i.loss ?? 'contrastive';
  const out: RetrainOptions = {
    steps,
    epochs,
    loss,
    margin: i.margin ?? (loss === 'contrastive' ? 0.5 : 0.2),
    learningRate: i.learningRate ?? (fromScratch ? 1e-3 : 1e-4),
    batchSize: i.batchSize ?? 16,
    fromScratch,
    promote: i.promote ?? 'IF_BETTER',
    seed: i.seed ?? seedFallback,
  };
  const problems: string[] = [];
  const int = (name: keyof RetrainOptions, v: number, min: number, max: number) => {
    if (!Number.isInteger(v) || v < min || v > max) problems.push(`${name} must be an integer in [${min}, ${max}] (got ${v})`);
  };
  int('epochs', out.epochs, 1, RETRAIN_LIMITS.maxEpochs);
  int('steps', out.steps, 1, RETRAIN_LIMITS.maxSteps);
  int('batchSize', out.batchSize, 2, RETRAIN_LIMITS.maxBatch);
  int('seed', out.seed, 0, 2 ** 31 - 1);
  if (out.steps < out.epochs) problems.push(`steps (${out.steps}) must be at least epochs (${out.epochs})`);
  if (!(out.margin > 0 && out.margin <= 4)) problems.push(`margin must be in (0, 4] (got ${out.margin})`);
  if (!(out.learningRate > 0 && out.learningRate <= 1)) problems.push(`learningRate must be in (0, 1] (got ${out.learningRate})`);
  if (loss !== 'contrastive' && loss !== 'triplet') problems.push(`loss must be contrastive or triplet (got ${String(loss)})`);
  if (!PROMOTE_POLICIES.includes(out.promote)) problems.push(`promote must be one of ${PROMOTE_POLICIES.join(', ')}`);
  if (problems.length > 0) throw badInput(`retrain options: ${problems.join('; ')}`, { problems });
  return out;
}

/** Steps per epoch the trainer runs: the total split evenly, rounded up (at least the total asked). */
export function stepsPerEpoch(o: Pick<RetrainOptions, 'steps' | 'epochs'>): number {
  return Math.ceil(o.steps / o.epochs);
}

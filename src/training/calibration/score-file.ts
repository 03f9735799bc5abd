/**
 * Scored validation pairs on disk, so thresholds can be calibrated on scores
 * a *different* run produced: `siamese train --val-fold I/K --save-val-scores F`
 * writes the best epoch's held-out pair distances of each fold; a final model
 * trained on all identities reads them back with `--calibration-scores F …`
 * (out-of-fold calibration: every pair comes from identities the scoring
 * model never trained on).
 *
 * Format (JSON): { "kind": "siamese-val-scores", "version": 1, "model", "metric",
 * "positives": number[], "negatives": number[] } — distances, split by label.
 */
import { promises as fs } from 'node:fs';
import type { Metric } from '../../metric/metric';
import { DomainError, ErrorCode } from '../../errors';
import type { ScoredPair } from './roc';

export interface ScoreFile {
  kind: 'siamese-val-scores';
  version: 1;
  model: string;
  metric: Metric;
  positives: number[];
  negatives: number[];
}

export function toScoreFile(scores: readonly ScoredPair[], model: string, metric: Metric): ScoreFile {
  return {
    kind: 'siamese-val-scores',
    version: 1,
    model,
    metric,
    positives: scores.filter((s) => s.same).map((s) => s.distance),
    negatives: scores.filter((s) => !s.same).map((s) => s.distance),
  };
}

export async function writeScoreFile(file: string, scores: readonly ScoredPair[], model: string, metric: Metric): Promise<void> {
  await fs.writeFile(file, JSON.stringify(toScoreFile(scores, model, metric)) + '\n');
}

/** Parses and checks one score file's content; `name` is for messages. */
export function parseScoreFile(text: string, name: string): ScoreFile {
  let data: Partial<ScoreFile>;
  try {
    data = JSON.parse(text) as Partial<ScoreFile>;
  } catch {
    throw new DomainError(ErrorCode.BAD_USER_INPUT, `${name} is not JSON`);
  }
  const numbers = (v: unknown) => Array.isArray(v) && v.every((x) => typeof x === 'number' && Number.isFinite(x));
  if (
    data.kind !== 'siamese-val-scores' ||
    data.version !== 1 ||
    !numbers(data.positives) ||
    !numbers(data.negatives) ||
    typeof data.metric !== 'string'
  ) {
    throw new DomainError(ErrorCode.BAD_USER_INPUT, `${name} is not a siamese validation score file (write one with --save-val-scores)`);
  }
  return data as ScoreFile;
}

/**
 * Reads score files and pools their pairs. All files must use `metric` and
 * together hold at least one positive and one negative pair.
 */
export async function readScoreFiles(files: readonly string[], metric: Metric): Promise<ScoredPair[]> {
  const out: ScoredPair[] = [];
  for (const f of files) {
    const text = await fs.readFile(f, 'utf8').catch(() => {
      throw new DomainError(ErrorCode.BAD_USER_INPUT, `cannot read score file ${f}`);
    });
    const sf = parseScoreFile(text, f);
    if (sf.metric !== metric)
      throw new DomainError(ErrorCode.BAD_USER_INPUT, `${f} holds ${sf.metric} distances; this model uses ${metric}`);
    for (const d of sf.positives) out.push({ distance: d, same: true });
    for (const d of sf.negatives) out.push({ distance: d, same: false });
  }
  if (!out.some((s) => s.same) || !out.some((s) => !s.same)) {
    throw new DomainError(ErrorCode.BAD_USER_INPUT, 'calibration scores need at least one same and one different pair');
  }
  return out;
}

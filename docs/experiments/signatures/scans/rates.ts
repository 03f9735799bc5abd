/**
 * Session 40 (SCANS, RULE.md beside this file; added after its first results, reported only): do H's served
 * thresholds reject more genuine signatures, and accept fewer forgeries, when every image is a simulated
 * full-resolution scan? The scores are distances minus each fold's served threshold (accepted when ≤ 0), so the
 * rates are read at 0. A paired cluster bootstrap over writers (Efron & Tibshirani 1993, ch. 14): each draw takes the
 * writers with replacement once and weighs every pair of both files by its writer's multiplicity, so
 *   FRR = Σ w·[genuine pair rejected] / Σ w·[genuine pair],   FAR = Σ w·[forgery pair accepted] / Σ w·[forgery pair].
 *   node test/retraining/fixtures/ts-run.js docs/experiments/signatures/scans/rates.ts BASE.json.gz CANDIDATE.json.gz
 * Prints, per number of references both files hold: each file's FRR and FAR, CANDIDATE − BASE with a 95 % interval.
 */
import { bootstrapSettings, drawIdentities, quantile } from '../../../../src/training/evaluate/bootstrap';
import { readScores, type ScoreFile } from '../../../../test/e2e/signature-scores';

/** Weighted FRR and FAR at 0 of one file's pairs under writer weights w (indexed by the sorted writer list). */
export function ratesAtZero(
  cols: { writer: number[]; same: number[]; distance: number[] },
  writerIndex: readonly number[],
  w: ArrayLike<number>,
): { frr: number; far: number } {
  let genuine = 0;
  let rejected = 0;
  let forged = 0;
  let accepted = 0;
  for (let i = 0; i < cols.distance.length; i++) {
    const weight = w[writerIndex[cols.writer[i]]];
    if (cols.same[i] === 1) {
      genuine += weight;
      if (cols.distance[i] > 0) rejected += weight;
    } else {
      forged += weight;
      if (cols.distance[i] <= 0) accepted += weight;
    }
  }
  return { frr: rejected / genuine, far: accepted / forged };
}

export async function main(argv: string[]): Promise<number> {
  if (argv.length !== 2) {
    console.error('usage: rates.ts BASE.json.gz CANDIDATE.json.gz');
    return 2;
  }
  const [base, candidate] = argv.map((f) => readScores(f));
  const writers = [...base.writers].sort();
  if (JSON.stringify([...candidate.writers].sort()) !== JSON.stringify(writers)) throw new Error('the two files cover different writers');
  // each file's writer numbers → positions in the sorted list that the draws index
  const indexOf = (f: ScoreFile) => f.writers.map((name) => writers.indexOf(name));
  const references = Object.keys(base.byReferences).filter((r) => r in candidate.byReferences);
  const byReferences = references.map((r) => {
    const [a, b] = [base, candidate].map((f) => ({ cols: f.byReferences[r], index: indexOf(f) }));
    const ones = new Float64Array(writers.length).fill(1);
    const [ra, rb] = [a, b].map((f) => ratesAtZero(f.cols, f.index, ones));
    const { rounds, level, rng } = bootstrapSettings({ rounds: 2000 }, writers.length);
    const w = new Float64Array(writers.length);
    const frr: number[] = [];
    const far: number[] = [];
    for (let round = 0; round < rounds; round++) {
      drawIdentities(rng, w);
      const [da, db] = [a, b].map((f) => ratesAtZero(f.cols, f.index, w));
      frr.push(db.frr - da.frr);
      far.push(db.far - da.far);
    }
    const interval = (xs: number[]) => {
      const sorted = xs.filter(Number.isFinite).sort((x, y) => x - y);
      return [quantile(sorted, (1 - level) / 2), quantile(sorted, 1 - (1 - level) / 2)];
    };
    return {
      references: Number(r),
      base: ra,
      candidate: rb,
      frrDifference: { value: rb.frr - ra.frr, ci95: interval(frr) },
      farDifference: { value: rb.far - ra.far, ci95: interval(far) },
    };
  });
  console.log(
    JSON.stringify(
      { test: 'candidate − base, forgery FAR and genuine FRR at the served thresholds, paired writer bootstrap (2,000 draws)', files: argv, byReferences },
      null,
      2,
    ),
  );
  return 0;
}

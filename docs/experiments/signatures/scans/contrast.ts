/**
 * Session 40 (SCANS, RULE.md beside this file): does full resolution cost H more than it costs I? The contrast
 *   (EER(H, scans) − EER(H, 220×155)) − (EER(I, scans) − EER(I, 220×155)),
 * which is also (H − I on the scans) − (H − I on the 220×155 copy), with one paired writer bootstrap over all four
 * score files: each replicate draws the 34 writers once (with replacement) and weighs every file's pairs by the same
 * multiplicities (paired-bootstrap.ts's cluster bootstrap, Efron & Tibshirani 1993 ch. 14, extended to four arms).
 *   node test/retraining/fixtures/ts-run.js docs/experiments/signatures/scans/contrast.ts H.json.gz H_SCANS.json.gz I.json.gz I_SCANS.json.gz [H I]
 * Session 44: the two models' names (default H and I) label the test and the eer keys, for another pair (HL and H).
 * Prints, per number of references the four files share: the contrast, its 95 % percentile interval (2,000 draws).
 */
import { equalErrorRate } from '../../../../src/training/calibration/roc';
import {
  bootstrapSettings,
  drawIdentities,
  pairWeights,
  quantile,
  weightedRoc,
  type IdentityPairScore,
} from '../../../../src/training/evaluate/bootstrap';
import { readScores } from '../../../../test/e2e/signature-scores';

export async function main(argv: string[]): Promise<number> {
  if (argv.length !== 4 && argv.length !== 6) {
    console.error('usage: contrast.ts H.json.gz H_SCANS.json.gz I.json.gz I_SCANS.json.gz [H I]');
    return 2;
  }
  const [a, b] = argv.length === 6 ? argv.slice(4) : ['H', 'I'];
  const paths = argv.slice(0, 4);
  const files = paths.map((f) => readScores(f));
  const writers = [...files[0].writers].sort();
  for (const [i, f] of files.entries())
    if (JSON.stringify([...f.writers].sort()) !== JSON.stringify(writers)) throw new Error(`${paths[i]} covers other writers than ${paths[0]}`);
  for (const [i, f] of files.entries())
    for (const [r, cols] of Object.entries(f.byReferences)) {
      const scored = new Set(cols.writer.map((w) => f.writers[w]));
      if (scored.size !== writers.length) throw new Error(`${paths[i]}: R = ${r} scores ${scored.size} of the ${writers.length} writers`);
    }
  const references = Object.keys(files[0].byReferences).filter((r) => files.every((f) => r in f.byReferences));
  const sign = [-1, 1, 1, -1]; // (H_scans − H) − (I_scans − I), in argv's order H, H_SCANS, I, I_SCANS
  const byReferences = references.map((r) => {
    const sorted = files.map((f): IdentityPairScore[] => {
      const cols = f.byReferences[r];
      return cols.distance
        .map((distance, i) => {
          const id = writers.indexOf(f.writers[cols.writer[i]]);
          return { distance, same: cols.same[i] === 1, identityA: id, identityB: id };
        })
        .sort((x, y) => x.distance - y.distance);
    });
    const eer = (pairs: IdentityPairScore[], weights: ArrayLike<number>) => equalErrorRate(weightedRoc(pairs, weights)).eer;
    const eers = sorted.map((pairs) => eer(pairs, new Float64Array(pairs.length).fill(1)));
    const contrast = eers.reduce((sum, e, k) => sum + sign[k] * e, 0);
    const { rounds, level, rng } = bootstrapSettings({ rounds: 2000 }, writers.length);
    const w = new Float64Array(writers.length);
    const weights = sorted.map((pairs) => new Float64Array(pairs.length));
    const draws: number[] = [];
    for (let round = 0; round < rounds; round++) {
      drawIdentities(rng, w);
      try {
        draws.push(
          sorted.reduce((sum, pairs, k) => {
            pairWeights(pairs, w, weights[k]);
            return sum + sign[k] * eer(pairs, weights[k]);
          }, 0),
        );
      } catch {
        continue; // a draw without both kinds of pair: skipped, as pairedEerBootstrap does
      }
    }
    if (draws.length === 0) throw new RangeError(`R = ${r}: no draw had both kinds of pair in every file`);
    draws.sort((a, b) => a - b);
    return {
      references: Number(r),
      eer: {
        [a.toLowerCase()]: eers[0],
        [`${a.toLowerCase()}Scans`]: eers[1],
        [b.toLowerCase()]: eers[2],
        [`${b.toLowerCase()}Scans`]: eers[3],
      },
      contrast,
      interval: [quantile(draws, (1 - level) / 2), quantile(draws, 1 - (1 - level) / 2)],
      rounds: draws.length,
    };
  });
  console.log(
    JSON.stringify(
      {
        test: `(${a} on scans − ${a}) − (${b} on scans − ${b}): EER points full resolution costs ${a} beyond what it costs ${b}`,
        files: paths,
        byReferences,
      },
      null,
      2,
    ),
  );
  return 0;
}

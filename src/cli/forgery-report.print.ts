/** `siamese eval --forgeries`: the human-readable lines of a ForgeryVerificationReport. */
import type { ForgeryVerificationReport, RuleRates } from '../training/evaluate/forgery-verification.eval';

const pct = (x: number) => `${(x * 100).toFixed(2)}%`;
const span = (ci: [number, number]) => `${(ci[0] * 100).toFixed(1)}–${(ci[1] * 100).toFixed(1)}`;
const rates = (r: RuleRates) =>
  `EER ${pct(r.eer.value)} (${span(r.eer.ci95)})  forgeries accepted ${pct(r.forgeriesAccepted.value)}  genuine rejected ${pct(r.genuineRejected.value)}`;

export function printForgeryReport(f: ForgeryReportLike): void {
  const v = f.verify;
  console.log(
    `skilled forgeries (${f.genuineFolder} vs ${f.forgedFolder}) on ${f.writers} writers / ${f.images} images ` +
      `(${v.genuinePairs} genuine pairs, ${v.forgeryPairs} genuine–forgery pairs; 95 % intervals over writers)`,
  );
  console.log(
    `  verify, one reference: AUC ${v.auc.value.toFixed(4)}  EER ${pct(v.eer.value)} (${span(v.eer.ci95)})  ` +
      `at the card's ${v.threshold.toPrecision(4)}: forgeries accepted ${pct(v.farForgeries.value)} (${span(v.farForgeries.ci95)})  ` +
      `genuine rejected ${pct(v.frrGenuine.value)} (${span(v.frrGenuine.ci95)})`,
  );
  console.log(
    `  same pairs, raw pixels: Euclidean AUC ${f.baseline.pixelEuclidean.auc.toFixed(4)} EER ${pct(f.baseline.pixelEuclidean.eer)}  ` +
      `cosine AUC ${f.baseline.pixelCosine.auc.toFixed(4)} EER ${pct(f.baseline.pixelCosine.eer)}`,
  );
  for (const r of f.references)
    console.log(`  verifyIdentity, ${r.references} references (CENTROID at ${r.threshold.toPrecision(4)}): ${rates(r)}`);
  for (const l of f.labelled) {
    const signed = (x: number) => `${x > 0 ? '+' : ''}${(x * 100).toFixed(2)}`;
    const diff = (d: { value: number; ci95: [number, number] }) =>
      `${signed(d.value)} points (${signed(d.ci95[0])} to ${signed(d.ci95[1])})`;
    console.log(
      `  ${l.references} references, ${l.labelled} labelled forger${l.labelled === 1 ? 'y' : 'ies'} (rule LABELLED, same questions):`,
    );
    console.log(`    CENTROID  ${rates(l.centroid)}`);
    console.log(`    capped    ${rates(l.capped)}  EER − CENTROID ${diff(l.capped.pairedEerDifference)}`);
    console.log(`    midpoint  ${rates(l.midpoint)}  EER − CENTROID ${diff(l.midpoint.pairedEerDifference)}`);
  }
}

/** The report as printHuman receives it (a parsed copy: the same shape). */
export type ForgeryReportLike = ForgeryVerificationReport;

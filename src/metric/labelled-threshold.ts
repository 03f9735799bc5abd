/**
 * An identity's own threshold from negatives an administrator labelled for it (issue 17, session 28).
 *
 * Measured on CEDAR (docs/signatures.md, "Session 27"): much of a signature model's error on new writers is
 * that writers' distances sit on different scales, so one threshold rejects one writer's genuine signatures
 * while it accepts another's forgeries. A writer's references show where its genuine distances lie (their
 * leave-one-out spread s, referenceSpread); forgeries labelled against it (`labelPair(…, same: false)`)
 * show where its forgeries lie (their mean distance f to the references' centroid). The question is read
 * against the midpoint between the two:
 *
 *   match ⇔ d(q, c_R) ≤ min(t_R, ½·(s + f) + offset(R, K))
 *
 * with offset(R, K) calibrated on the model's validation identities at the card's rule, with R references
 * and K labelled forgeries drawn per identity (training/calibration/labelled-calibration.ts), and t_R the
 * card's threshold for R references (CENTROID's; under rule SPREAD the identity's t_R + β·s, spread-threshold.ts). The cap t_R: a label saying "not this identity" never makes
 * the service accept more for it (docs/experiments/signatures/labelled/DESIGN.md); a negative far from the
 * identity, or a mislabel, would otherwise loosen it (SIAMESE_LABELLED_RULE=midpoint serves it without the cap:
 * cap = +∞). Clamped at 0: a distance is never negative.
 */
export function labelledThreshold(spread: number, negativeMean: number, offset: number, cap: number): number {
  return Math.max(0, Math.min(cap, labelledMidpoint(spread, negativeMean) + offset));
}

/** ½·(s + f): halfway between the identity's genuine spread and its labelled negatives' distance. */
export function labelledMidpoint(spread: number, negativeMean: number): number {
  return 0.5 * (spread + negativeMean);
}

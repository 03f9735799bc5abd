/**
 * verifyIdentity's rule SPREAD: an identity's threshold moved by its references' own spread (issue 17, session 34).
 *
 * Measured on CEDAR (docs/signatures.md, sessions 27 and 34): much of a signature model's error on new writers is
 * that writers' distances sit on different scales. A writer's enrolled references show where its genuine
 * distances lie: their leave-one-out spread s = (1/R)·Σ_i d(r_i, c_{−i}) (referenceSpread), no forgery needed.
 * The score d(q, c_R) − β·s is calibrated on the validation identities (reference-calibration.ts) to t_R, so
 *
 *   match ⇔ d(q, c_R) ≤ t_R + β·s
 *
 * β = ½ for the shipped signature model: rule SHIFT-I (docs/experiments/signatures/backend/RULE-shift-i.md) chose
 * it over β = 1 on I's 34 cross-validated writers (ten references: EER 3.62 % against CENTROID's 4.75 %, paired
 * −1.13 points, 97.5 % interval −2.36 to −0.13). Session 10's CENTROID_SHIFT (β = 1) is the same family.
 */
export function spreadThreshold(threshold: number, spread: number, shift: number): number {
  return threshold + shift * spread;
}

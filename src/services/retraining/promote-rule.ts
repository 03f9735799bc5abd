/**
 * Whether a retrained model replaces the serving one. Both models are scored on the
 * SAME held-out pairs (identities the new model never trained on), so the comparison is
 * fair; the primary number is the equal error rate (lower is better) and AUC breaks
 * ties. "Not worse" promotes under IF_BETTER: a model that is as good on held-out data
 * and has learned the admins' corrections is the one users asked for.
 */
import type { PromotePolicy } from './retrain-options';

export interface HeldOutScore {
  auc: number;
  eer: number;
}

export interface PromotionDecision {
  promote: boolean;
  reason: string;
}

/** Differences below this are noise of a finite ROC, not a regression. */
export const METRIC_TOLERANCE = 1e-9;

export function comparePromotion(oldScore: HeldOutScore | null, newScore: HeldOutScore | null): 'better' | 'equal' | 'worse' | 'unknown' {
  if (!oldScore || !newScore) return 'unknown';
  if (![oldScore.auc, oldScore.eer, newScore.auc, newScore.eer].every(Number.isFinite)) return 'unknown';
  const dEer = newScore.eer - oldScore.eer;
  if (dEer < -METRIC_TOLERANCE) return 'better';
  if (dEer > METRIC_TOLERANCE) return 'worse';
  const dAuc = newScore.auc - oldScore.auc;
  if (dAuc > METRIC_TOLERANCE) return 'better';
  if (dAuc < -METRIC_TOLERANCE) return 'worse';
  return 'equal';
}

export function decidePromotion(policy: PromotePolicy, oldScore: HeldOutScore | null, newScore: HeldOutScore | null): PromotionDecision {
  const cmp = comparePromotion(oldScore, newScore);
  const fmt = (s: HeldOutScore | null) => (s ? `EER ${s.eer.toFixed(4)}, AUC ${s.auc.toFixed(4)}` : 'n/a');
  const versus = `new ${fmt(newScore)} vs active ${fmt(oldScore)}`;
  switch (policy) {
    case 'ALWAYS':
      return { promote: true, reason: `promote: ALWAYS (${cmp}: ${versus})` };
    case 'NEVER':
      return { promote: false, reason: `promote: NEVER (${cmp}: ${versus})` };
    case 'IF_BETTER':
      if (cmp === 'better' || cmp === 'equal') return { promote: true, reason: `not worse on held-out pairs: ${versus}` };
      if (cmp === 'worse') return { promote: false, reason: `worse on held-out pairs, kept the active model: ${versus}` };
      return { promote: false, reason: `no held-out pairs to compare on; kept the active model (use promote: ALWAYS to force)` };
  }
}

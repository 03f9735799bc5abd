/**
 * Open-set (1:N) identification threshold from the 1:1 verification ROC on the model card.
 *
 * The card's default threshold is a 1:1 operating point (EER of validation pairs): one
 * stranger-vs-image comparison is falsely accepted with probability FAR. searchSimilar
 * compares a stranger with every image of the gallery, and says `match: true` when ANY
 * of them falls under the threshold, so with N images its false-match rate is
 * 1 − (1 − FAR)^N (46 % of ORL strangers at the EER with N = 5).
 *
 * For a target open-set false-match rate α, the Šidák correction (Šidák 1967, "Rectangular
 * confidence regions for the means of multivariate normal distributions") gives the
 * per-comparison budget
 *
 *     f = 1 − (1 − α)^(1/N)          (≈ α/N for small α; computed as −expm1(log1p(−α)/N))
 *
 * and the 1:N threshold is the largest threshold t with FAR(t) ≤ f on the validation ROC,
 * FAR linearly interpolated between stored ROC points, and never looser than the 1:1 default.
 *
 * N counts enrolled IMAGES, not identities: a stranger is matched to an identity when the
 * minimum over that identity's images is under t, so every image is one more chance to beat
 * the threshold. Šidák treats the N comparisons as independent; a stranger's distances to
 * images of one identity are positively correlated, which makes the true rate lower, i.e. the
 * rule errs on the strict side.
 *
 * Limits: the ROC cannot resolve a FAR below 1/negativePairs of the validation set. When f is
 * smaller, the threshold sits between the last FAR = 0 point and the first non-zero one, by
 * interpolation: the strictest the card can justify, not a measured guarantee of α.
 */
import type { RocPoint } from '../embedding/model-card';

/** What the rule needs from a model card. */
export interface OpenSetCalibration {
  /** Validation ROC: accept when d ≤ threshold. */
  roc: readonly RocPoint[];
  /** The card's 1:1 threshold (thresholds.default): the loosest the 1:N threshold may be. */
  defaultThreshold: number;
  /** Negative validation pairs behind the ROC; 0 means its FAR values were never measured. */
  negativePairs?: number;
}

export interface OpenSetThreshold {
  /** Distance threshold for `match` in a gallery of this size. */
  threshold: number;
  /** The per-comparison FAR budget f (Šidák); null when the rule is off or cannot apply. */
  perComparisonFar: number | null;
  /** 'open-set': derived from α and N; 'default': the card's 1:1 threshold (rule off, capped, or no usable ROC). */
  rule: 'open-set' | 'default';
}

/** Šidák: the per-comparison false-accept budget that keeps N comparisons' family-wise rate at α. */
export function perComparisonFar(alpha: number, galleryImages: number): number {
  if (!(alpha > 0 && alpha < 1)) throw new RangeError(`alpha must be in (0, 1) (got ${alpha})`);
  if (!Number.isInteger(galleryImages) || galleryImages < 1)
    throw new RangeError(`gallery size must be a positive integer (got ${galleryImages})`);
  // 1 − (1 − α)^(1/N) without cancellation for large N.
  return -Math.expm1(Math.log1p(-alpha) / galleryImages);
}

/**
 * The largest threshold whose FAR ≤ far on the ROC, interpolating FAR linearly in the
 * threshold between the last point within budget and the first one over it. The origin
 * point of a card's ROC has FAR 0, so a budget ≥ 0 is always reachable; a malformed ROC
 * whose first point is already over budget answers that first (strictest) threshold.
 */
export function thresholdAtFarInterpolated(roc: readonly RocPoint[], far: number): number {
  const pts = roc.filter((p) => Number.isFinite(p.threshold) && Number.isFinite(p.far)).sort((a, b) => a.threshold - b.threshold);
  if (pts.length === 0) throw new RangeError('empty ROC');
  let i = -1;
  // FAR is non-decreasing in the threshold: stop at the first point over budget.
  while (i + 1 < pts.length && pts[i + 1].far <= far) i++;
  if (i < 0) return pts[0].threshold;
  if (i === pts.length - 1) return pts[i].threshold;
  const a = pts[i];
  const b = pts[i + 1]; // b.far > far ≥ a.far, so the slope is positive
  return a.threshold + ((far - a.far) / (b.far - a.far)) * (b.threshold - a.threshold);
}

/**
 * The threshold searchSimilar applies for a gallery of `galleryImages` enrolled images.
 * alpha null → the 1:1 default (the rule is off). A ROC with fewer than two points or
 * measured on no negative pair (test placeholders) says nothing about FAR: default too.
 */
export function openSetThreshold(cal: OpenSetCalibration, alpha: number | null, galleryImages: number): OpenSetThreshold {
  const fallback: OpenSetThreshold = { threshold: cal.defaultThreshold, perComparisonFar: null, rule: 'default' };
  if (alpha === null || galleryImages < 1) return fallback;
  if (cal.roc.length < 2 || cal.negativePairs === 0) return fallback;
  const f = perComparisonFar(alpha, galleryImages);
  const t = thresholdAtFarInterpolated(cal.roc, f);
  if (t >= cal.defaultThreshold) return { threshold: cal.defaultThreshold, perComparisonFar: f, rule: 'default' };
  return { threshold: t, perComparisonFar: f, rule: 'open-set' };
}

/**
 * openSetThreshold memoised per (model version, gallery size). The gallery size moves
 * with every enrollment, so each version keeps at most `maxPerVersion` sizes and only the
 * `maxVersions` most recently used versions are kept.
 */
export class OpenSetThresholdCache {
  private readonly byVersion = new Map<string, Map<number, OpenSetThreshold>>();

  constructor(
    private readonly alpha: number | null,
    private readonly maxPerVersion = 1024,
    private readonly maxVersions = 4,
  ) {}

  get(version: string, cal: OpenSetCalibration, galleryImages: number): OpenSetThreshold {
    let sizes = this.byVersion.get(version);
    if (sizes) this.byVersion.delete(version); // re-inserted below: most recently used last
    sizes ??= new Map();
    this.byVersion.set(version, sizes);
    while (this.byVersion.size > this.maxVersions) this.byVersion.delete(this.byVersion.keys().next().value as string);
    const hit = sizes.get(galleryImages);
    if (hit) return hit;
    const computed = openSetThreshold(cal, this.alpha, galleryImages);
    if (sizes.size >= this.maxPerVersion) sizes.clear();
    sizes.set(galleryImages, computed);
    return computed;
  }

  /** Cached (version, size) entries, for tests. */
  get size(): number {
    let n = 0;
    for (const m of this.byVersion.values()) n += m.size;
    return n;
  }
}

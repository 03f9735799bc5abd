import type { ModelCard } from '../embedding/model-card';
import { DomainError, ErrorCode } from '../errors';
import { summarizeModelCard, type ModelCardSummary } from './model-card-summary';
import { openSetThreshold } from './open-set-threshold';
import type { ServiceDeps } from './service-context';

export interface ModelSummary {
  version: string;
  card: ModelCard;
  indexedVectors: number;
  /** The companion encoder served with this model (SIAMESE_COMPANION_MODEL), or null. */
  companion: { version: string; card: ModelCard; fromReferences: number } | null;
}

/** The open-set (1:N) threshold a search applies to a gallery of `galleryImages` images. */
export interface OpenSetThresholdSummary {
  /** The model version it was computed for. */
  version: string;
  galleryImages: number;
  /** Target open-set false-match rate (SIAMESE_OPEN_SET_FAR); null when the rule is off. */
  alpha: number | null;
  threshold: number;
  perComparisonFar: number | null;
  rule: 'open-set' | 'default';
}

/** Galleries larger than this are not a question anyone asks of one server (HNSW holds millions, not billions). */
export const MAX_GALLERY_IMAGES = 1_000_000_000;

/** The active model version and its calibration, read from the pair in use. */
export class ModelService {
  constructor(private readonly deps: ServiceDeps) {}

  active(): ModelSummary {
    const m = this.deps.active.current;
    const c = m.companion;
    return {
      version: m.version,
      card: m.card,
      indexedVectors: m.index.size,
      companion: c ? { version: c.version, card: c.card, fromReferences: c.fromReferences } : null,
    };
  }

  /** The card of the serving model (or any stored one) in the words a person reads. */
  summarizeCard(card: unknown): ModelCardSummary {
    return summarizeModelCard(card);
  }

  /**
   * The threshold searchSimilar applies (open-set-threshold.ts), for the current gallery
   * (the live images of the serving index, the count a search uses) or for `galleryImages`
   * when given ("what would it be with 10,000 images?").
   */
  async openSetThreshold(galleryImages?: number | null): Promise<OpenSetThresholdSummary> {
    if (galleryImages !== undefined && galleryImages !== null) {
      if (!Number.isInteger(galleryImages) || galleryImages < 1 || galleryImages > MAX_GALLERY_IMAGES) {
        throw new DomainError(
          ErrorCode.BAD_USER_INPUT,
          `galleryImages must be an integer between 1 and ${MAX_GALLERY_IMAGES} (got ${galleryImages})`,
          { argument: 'galleryImages', limit: MAX_GALLERY_IMAGES },
        );
      }
    }
    const model = this.deps.active.current;
    const n = galleryImages ?? (await model.index.count());
    const alpha = this.deps.limits.openSetFar;
    const card = model.card;
    const t = openSetThreshold(
      { roc: card.roc ?? [], defaultThreshold: card.thresholds.default, negativePairs: card.validation?.negativePairs },
      alpha,
      n,
    );
    return { version: model.version, galleryImages: n, alpha, threshold: t.threshold, perComparisonFar: t.perComparisonFar, rule: t.rule };
  }
}

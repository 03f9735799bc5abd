import type { CompanionSettings } from '../config';
import type { ModelCard } from '../embedding/model-card';
import { DomainError, ErrorCode } from '../errors';
import type { CompanionModel, EmbedderPort } from './serving-model';

/**
 * The companion encoder (SIAMESE_COMPANION_MODEL; docs/experiments/signatures/nearest-writers/DESIGN-two-encoders.md):
 * a second model that answers verifyIdentity from `fromReferences` references on, because it serves that question
 * better than the served model does (rule MULTIREF: with R ≥ 3 the multi-reference signature card rejects 2–5 % of
 * genuine signatures where the default card rejects about 13 %), while verify, searchSimilar and fewer references stay
 * on the served model.
 *
 * It pairs with the configured model only (SIAMESE_MODEL's version): the companion never saw the labelled corrections
 * a retrained version learnt from, so routing that version's questions to it would quietly ignore them. It is loaded once, on the first pair that needs it, and lives until the
 * server closes (a swap away and back reuses it).
 */

/** Why `companion` cannot serve beside `primary` from `fromReferences` references on; [] when it can. */
export function companionProblems(companion: ModelCard, primary: ModelCard, fromReferences: number): string[] {
  const problems: string[] = [];
  if (companion.version === primary.version) problems.push(`it is the served model itself (version ${primary.version})`);
  // Both read the same images (the identities' enrolled ones): a face model beside a signature model, say, would
  // answer one of them on inputs its preprocessing was never made for. Sizes, channels and tone may differ.
  const stage = (c: ModelCard) =>
    `${c.preprocessing.face ? 'a face stage' : 'no face stage'}, ${c.preprocessing.crop ? `crop ${c.preprocessing.crop}` : 'no crop'}`;
  if (stage(companion) !== stage(primary))
    problems.push(`it reads images with ${stage(companion)}, the served model with ${stage(primary)}: they are not for the same images`);
  const calibrated = (companion.thresholds.references ?? []).map((r) => r.references);
  if (!calibrated.some((r) => r >= fromReferences)) {
    problems.push(
      `its card calibrates verifyIdentity for R = ${calibrated.length > 0 ? calibrated.join(', ') : 'none'}, ` +
        `no R ≥ SIAMESE_COMPANION_FROM (${fromReferences}): it would never answer`,
    );
  }
  return problems;
}

/** Loads the companion and checks it against the served card: MODEL_INCOMPATIBLE with the reasons when it cannot serve. */
export async function loadCompanion(
  settings: Pick<CompanionSettings, 'dir' | 'fromReferences'>,
  primary: ModelCard,
  load: (dir: string) => Promise<EmbedderPort>,
  /** False for an embedder the caller owns: a refused one is not disposed here. */
  owned = true,
): Promise<CompanionModel> {
  let embedder: EmbedderPort;
  try {
    embedder = await load(settings.dir);
  } catch (e) {
    const reason = e instanceof Error ? e.message : String(e);
    throw new DomainError(
      ErrorCode.MODEL_INCOMPATIBLE,
      `companion model ${settings.dir} (SIAMESE_COMPANION_MODEL) cannot be loaded: ${reason}`,
      {
        companion: settings.dir,
      },
    );
  }
  const problems = companionProblems(embedder.card, primary, settings.fromReferences);
  if (problems.length > 0) {
    if (owned) await embedder.dispose?.();
    throw new DomainError(
      ErrorCode.MODEL_INCOMPATIBLE,
      `companion model ${settings.dir} (SIAMESE_COMPANION_MODEL) cannot serve: ${problems.join('; ')}`,
      { companion: settings.dir },
    );
  }
  return Object.freeze({
    version: embedder.card.version,
    card: embedder.card,
    embedder,
    dir: settings.dir,
    fromReferences: settings.fromReferences,
  });
}

/** The companion for whichever version serves: the configured version gets it (loaded once), any other none. */
export class CompanionSlot {
  private loading: Promise<CompanionModel> | undefined;

  constructor(
    private readonly settings: Pick<CompanionSettings, 'dir' | 'fromReferences'>,
    /** The version of SIAMESE_MODEL's weights: the one model the companion pairs with. */
    private readonly configuredVersion: string,
    private readonly load: (dir: string) => Promise<EmbedderPort>,
    /** False for an embedder the caller owns (injected by tests): dispose() leaves it alone. */
    private readonly owned = true,
  ) {}

  /** Undefined for any version but the configured one; rejects (MODEL_INCOMPATIBLE) when the companion cannot serve. */
  async forVersion(version: string, card: ModelCard): Promise<CompanionModel | undefined> {
    if (version !== this.configuredVersion) return undefined;
    const loading = (this.loading ??= loadCompanion(this.settings, card, this.load, this.owned));
    try {
      return await loading;
    } catch (e) {
      if (this.loading === loading) this.loading = undefined; // the next activation tries again
      throw e;
    }
  }

  async dispose(): Promise<void> {
    const companion = await this.loading?.catch(() => undefined);
    this.loading = undefined;
    if (this.owned) await companion?.embedder.dispose?.();
  }
}

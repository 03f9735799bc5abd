import type { ModelCard, ReferenceThreshold } from '../../src/embedding/model-card';
import { ActiveModel, CompanionSlot, companionProblems, loadCompanion, routeReferences, type EmbedderPort } from '../../src/services';
import type { VectorIndex } from '../../src/index/vector-index';
import { pixelCard } from '../fixtures/pixel-embedder';

/**
 * The companion encoder's parts without a server (the HTTP behaviour: test/e2e/companion-suite.ts): which cards can
 * serve as one, loading it once for the configured version only, and routing verifyIdentity by the references an
 * identity has. Reference counts and thresholds are made up so that each case reads off by hand.
 */
const rates = { auc: 0.9, eer: 0.1, far: 0.01, frr: 0.1, positivePairs: 10, negativePairs: 10 };
const at = (references: number, threshold: number): ReferenceThreshold => ({ references, threshold, ...rates });
const cardWith = (version: string, references: ReferenceThreshold[] | undefined, def = 0.4): ModelCard => {
  const c = pixelCard(def, version);
  return { ...c, thresholds: { ...c.thresholds, references } };
};
const embedderOf = (card: ModelCard, disposed: string[] = []): EmbedderPort => ({
  card,
  embedImages: async () => [],
  dispose: () => void disposed.push(card.version),
});

describe('companion encoder', () => {
  const primary = cardWith('served', [at(2, 0.3), at(3, 0.25), at(5, 0.2)]);

  it('serves only a second card that calibrates some R ≥ fromReferences', () => {
    expect(companionProblems(cardWith('c', [at(2, 0.3), at(3, 0.3)]), primary, 3)).toEqual([]);
    expect(companionProblems(cardWith('c', [at(2, 0.3)]), primary, 3)).toEqual([
      'its card calibrates verifyIdentity for R = 2, no R ≥ SIAMESE_COMPANION_FROM (3): it would never answer',
    ]);
    expect(companionProblems(cardWith('c', undefined), primary, 2)[0]).toMatch(/for R = none/);
    expect(companionProblems(cardWith('served', [at(5, 0.3)]), primary, 3)).toEqual(['it is the served model itself (version served)']);
    // Made for other images: an ink crop beside a whole-image model.
    const inked = cardWith('c', [at(3, 0.3)]);
    expect(companionProblems({ ...inked, preprocessing: { ...inked.preprocessing, crop: 'ink' } }, primary, 3)).toEqual([
      'it reads images with no face stage, crop ink, the served model with no face stage, no crop: they are not for the same images',
    ]);
  });

  it('loads it with its reasons for refusing, and disposes of a refused one', async () => {
    const disposed: string[] = [];
    const ok = await loadCompanion({ dir: '/m/c', fromReferences: 3 }, primary, async () => embedderOf(cardWith('c', [at(3, 0.3)])));
    expect(ok).toMatchObject({ version: 'c', dir: '/m/c', fromReferences: 3 });
    expect(Object.isFrozen(ok)).toBe(true);
    await expect(
      loadCompanion({ dir: '/m/c', fromReferences: 5 }, primary, async () => embedderOf(cardWith('c', [at(3, 0.3)]), disposed)),
    ).rejects.toMatchObject({
      code: 'MODEL_INCOMPATIBLE',
      message: expect.stringMatching(/^companion model \/m\/c .*cannot serve: .*R = 3/),
    });
    expect(disposed).toEqual(['c']);
    await expect(
      loadCompanion({ dir: '/m/x', fromReferences: 3 }, primary, async () => {
        throw new Error('weights.bin is missing');
      }),
    ).rejects.toMatchObject({ code: 'MODEL_INCOMPATIBLE', message: expect.stringMatching(/cannot be loaded: weights.bin is missing/) });
  });

  it('pairs with the configured version only, loads once, tries again after a failure, and disposes of what it owns', async () => {
    let loads = 0;
    let fail = true;
    const disposed: string[] = [];
    const slot = new CompanionSlot({ dir: '/m/c', fromReferences: 3 }, 'served', async () => {
      loads++;
      if (fail) throw new Error('not yet');
      return embedderOf(cardWith('c', [at(3, 0.3)]), disposed);
    });
    expect(await slot.forVersion('retrained', cardWith('retrained', undefined))).toBeUndefined();
    expect(loads).toBe(0);
    await expect(slot.forVersion('served', primary)).rejects.toMatchObject({ code: 'MODEL_INCOMPATIBLE' });
    fail = false;
    const [a, b] = await Promise.all([slot.forVersion('served', primary), slot.forVersion('served', primary)]);
    expect(a).toBe(b);
    expect(loads).toBe(2);
    await slot.dispose();
    expect(disposed).toEqual(['c']);

    const injected: string[] = [];
    const notOwned = new CompanionSlot(
      { dir: '(injected)', fromReferences: 3 },
      'served',
      async () => embedderOf(cardWith('i', [at(3, 0.3)]), injected),
      false,
    );
    await notOwned.forVersion('served', primary);
    await notOwned.dispose();
    expect(injected).toEqual([]);
  });

  it('routes verifyIdentity to the companion when its own plan reaches fromReferences', () => {
    const companionCard = cardWith('c', [at(2, 0.5), at(3, 0.45), at(10, 0.4)]);
    const served = new ActiveModel({
      version: 'served',
      card: primary,
      dir: '/m/served',
      embedder: embedderOf(primary),
      index: {} as VectorIndex,
      companion: { version: 'c', card: companionCard, dir: '/m/c', embedder: embedderOf(companionCard), fromReferences: 3 },
    }).current;
    // 1 and 2 references: below fromReferences (the companion calibrates R = 2, but 2 < 3).
    expect(routeReferences(served, 1)).toMatchObject({ encoder: 'PRIMARY', plan: { rule: 'SINGLE', use: 1, threshold: 0.4 } });
    expect(routeReferences(served, 2)).toMatchObject({ encoder: 'PRIMARY', plan: { rule: 'CENTROID', use: 2, threshold: 0.3 } });
    // 3 to 9: the companion's R = 3 at its own threshold; 10 and more: its R = 10.
    expect(routeReferences(served, 4)).toMatchObject({ encoder: 'COMPANION', model: { version: 'c' }, plan: { use: 3, threshold: 0.45 } });
    expect(routeReferences(served, 12)).toMatchObject({ encoder: 'COMPANION', plan: { use: 10, threshold: 0.4 } });
    // SIAMESE_MAX_IMAGES_PER_CALL leaves room for 2 references: the served model answers.
    expect(routeReferences(served, 12, 2)).toMatchObject({ encoder: 'PRIMARY', plan: { use: 2, threshold: 0.3 } });
    // Without a companion every question is the served model's.
    const alone = { ...served, companion: undefined };
    expect(routeReferences(alone, 12)).toMatchObject({
      encoder: 'PRIMARY',
      model: { version: 'served' },
      plan: { use: 5, threshold: 0.2 },
    });
  });
});

import { summarizeModelCard } from '../../src/services/model-card-summary';
import { RICH_INTENDED_USE, richCardParts } from '../fixtures/rich-card';

/**
 * The card as the Model page reads it (issue 15). Expected values are read off the fixture card
 * (test/fixtures/rich-card-model.ts) by hand, in the order the card lists them.
 */
const DATA = {
  sources: ['test/fixtures/synthetic-images.ts'],
  identities: 12,
  images: 120,
  trainIdentities: 0,
  validationIdentities: 12,
};
const card = { name: 'rich-card-test', data: DATA, ...richCardParts(0.05) };

describe('summarizeModelCard', () => {
  const s = summarizeModelCard(card);

  it('keeps intended use and limitations, notes, warnings and data as written', () => {
    expect(s.intendedUse).toEqual({ ...RICH_INTENDED_USE });
    expect(s.notes).toBe('A fixture card.');
    expect(s.warnings).toEqual(['Only 12 validation identities: the thresholds are rough.']);
    expect(s.data).toEqual({ ...DATA, duplicatesDropped: null, facelessDropped: null });
    expect(s.trainCommand).toBe('npx siamese train --name rich');
    expect(s.evaluateCommands).toEqual(['npx siamese eval --model rich --data heldout']);
  });

  it('lists the validation metrics, then each evaluation with its interval, sample and command; baselines flagged', () => {
    const row = (source: string, name: string, value: number, extra: Record<string, unknown> = {}) => ({
      source,
      name,
      value,
      interval: null,
      sample: null,
      command: null,
      baseline: false,
      ...extra,
    });
    const pairs = '1,080 same / 13,200 different pairs';
    const heldOut = {
      sample: '10 identities, 50 images, 100 same / 400 different pairs',
      command: 'npx siamese eval --model rich --data heldout',
    };
    const bootstrap = (low: number, high: number) => ({ low, high, level: 0.95, method: 'identity bootstrap, 200 rounds' });
    expect(s.metrics).toEqual([
      row('validation', 'auc', 0.99, { sample: pairs }),
      row('validation', 'eer', 0.02, { sample: pairs }),
      row('validation', 'accuracyAtDefault', 0.97, { sample: pairs }),
      // evaluations.validation: the flat one-shot number, then the pixel baselines of the same pairs.
      row('validation', 'oneShotAccuracy', 0.9, { sample: '5-way, 12 identities, 120 images' }),
      row('validation · pixelEuclidean baseline', 'auc', 0.71, { baseline: true }),
      row('validation · pixelEuclidean baseline', 'eer', 0.33, { baseline: true }),
      row('validation · pixelCosine baseline', 'auc', 0.74, { baseline: true }),
      row('validation · pixelCosine baseline', 'eer', 0.3, { baseline: true }),
      row('heldOut', 'auc', 0.98, { ...heldOut, interval: bootstrap(0.96, 0.99) }),
      row('heldOut', 'eer', 0.015, { ...heldOut, interval: bootstrap(0.009, 0.024) }),
      row('heldOut', 'oneShotAccuracy', 0.875, { sample: '5-way, 40 episodes', command: heldOut.command }),
      row('oneShotRuns', 'oneShotAccuracy', 0.95, {
        interval: { low: 0.835, high: 0.986, level: 0.95, method: 'Wilson' },
        sample: '5-way, 40 trials',
        command: 'npx siamese eval --model rich --oneshot runs',
      }),
      // `members` (an ensemble's list) is not this model's numbers: nothing from it.
    ]);
  });

  it("serves the learning curve from the training history, and the baseline's ROC", () => {
    expect(s.learningCurves).toEqual([
      {
        name: 'rich-card-test',
        keptEpoch: 2,
        points: [
          { epoch: 1, step: 10, loss: 0.3, valAuc: 0.9, valEer: 0.1, valOneShot: 0.7, elapsedSec: 6, best: true },
          { epoch: 2, step: 20, loss: 0.2, valAuc: 0.99, valEer: 0.02, valOneShot: 0.9, elapsedSec: 12, best: true },
          { epoch: 3, step: 30, loss: 0.15, valAuc: 0.97, valEer: 0.04, valOneShot: 0.85, elapsedSec: 18, best: false },
        ],
      },
    ]);
    expect(s.comparisonRocs).toEqual([
      {
        label: 'pixelEuclidean (validation)',
        auc: 0.71,
        eer: 0.33,
        points: [
          { threshold: 0, far: 0, tar: 0 },
          { threshold: 1, far: 0.1, tar: 0.4 },
          { threshold: 9, far: 1, tar: 1 },
        ],
      },
    ]);
  });

  it("an ensemble's curve is one series per member (the shipped omniglot card's shape)", () => {
    const ensemble = summarizeModelCard({
      name: 'ens',
      hyperparameters: {
        ensembleOf: [
          { name: 'm1', hyperparameters: { history: [{ epoch: 1, elapsedSec: 60, valOneShot: 0.8 }] } },
          { name: 'm2', hyperparameters: { history: [] } },
          { name: 'm3', hyperparameters: { history: [{ epoch: 1, elapsedSec: 30, valEer: 0.1, loss: null }] } },
        ],
      },
    });
    expect(ensemble.learningCurves).toEqual([
      {
        name: 'm1',
        keptEpoch: null,
        points: [{ epoch: 1, step: null, loss: null, valAuc: null, valEer: null, valOneShot: 0.8, elapsedSec: 60, best: false }],
      },
      {
        name: 'm3',
        keptEpoch: null,
        points: [{ epoch: 1, step: null, loss: null, valAuc: null, valEer: 0.1, valOneShot: null, elapsedSec: 30, best: false }],
      },
    ]);
  });

  it('reads a broken or foreign card as empty parts instead of failing the query', () => {
    for (const bad of [null, 'card', 42, [], { intendedUse: { summary: '' }, data: 'x', evaluations: [1], hyperparameters: null }]) {
      const e = summarizeModelCard(bad);
      expect(e.intendedUse).toBeNull();
      expect(e.metrics).toEqual([]);
      expect(e.learningCurves).toEqual([]);
      expect(e.data.sources).toEqual([]);
    }
    // An interval whose ends are reversed or not numbers is left out; the metric stays.
    const odd = summarizeModelCard({
      evaluations: { x: { verification: { auc: 0.9, eer: Number.NaN, ci95: { auc: [0.95, 0.85] } } } },
    });
    expect(odd.metrics).toEqual([{ source: 'x', name: 'auc', value: 0.9, interval: null, sample: null, command: null, baseline: false }]);
  });
});

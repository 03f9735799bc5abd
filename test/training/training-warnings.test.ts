import * as fs from 'fs';
import * as path from 'path';
import type { ModelCard } from '../../src/embedding/model-card';
import { trainingWarnings, type TrainingWarningInput } from '../../src/training/training-warnings';

/**
 * Issue 14: `siamese train` warns when validation holds too few identities and when the
 * embedding has collapsed (the reported run: threshold 0.013, triplet loss stuck at the
 * margin 0.2). Hand-built runs; the expected lines follow from the rules in
 * src/training/training-warnings.ts.
 */
const healthy: TrainingWarningInput = {
  // models/orl-fast46x56-triplet: 9 validation identities, threshold 0.546, loss 0.033 → 0.032 at margin 0.2
  validationIdentities: 9,
  scoredOnTraining: false,
  calibratedElsewhere: false,
  loss: 'triplet',
  margin: 0.2,
  metric: 'euclidean',
  l2Normalize: true,
  defaultThreshold: 0.546,
  history: [
    { epoch: 18, loss: 0.034 },
    { epoch: 19, loss: 0.033 },
    { epoch: 20, loss: 0.032 },
  ],
};

it('a healthy run has nothing to say', () => {
  expect(trainingWarnings(healthy)).toEqual([]);
});

it('validation with 2 identities: one pair of people behind every negative pair', () => {
  const [w, ...rest] = trainingWarnings({ ...healthy, validationIdentities: 2 });
  expect(rest).toEqual([]);
  expect(w).toMatch(/^validation holds only 2 identities \(1 pair of different people\)/);
  expect(trainingWarnings({ ...healthy, validationIdentities: 4 })[0]).toContain('only 4 identities (6 pairs of different people)');
  expect(trainingWarnings({ ...healthy, validationIdentities: 5 })).toEqual([]);
});

it('no validation split: optimistic numbers, unless the thresholds came from out-of-fold scores', () => {
  expect(trainingWarnings({ ...healthy, validationIdentities: 1, scoredOnTraining: true })[0]).toMatch(
    /^no validation split .* optimistic/,
  );
  expect(trainingWarnings({ ...healthy, validationIdentities: 0, scoredOnTraining: true, calibratedElsewhere: true })).toEqual([]);
});

it('the reported collapse: threshold 0.013 and the triplet loss at the margin, in one warning naming both', () => {
  const warnings = trainingWarnings({
    ...healthy,
    defaultThreshold: 0.013,
    history: [
      { epoch: 0, loss: NaN }, // epoch 0 validates the starting weights: no loss
      { epoch: 1, loss: 0.2004 },
      { epoch: 2, loss: 0.2 },
      { epoch: 3, loss: 0.1999 },
    ],
  });
  expect(warnings).toHaveLength(1);
  expect(warnings[0]).toMatch(/^the embedding looks collapsed: /);
  expect(warnings[0]).toContain('the default threshold 0.013 is under a tenth of the margin 0.2');
  expect(warnings[0]).toContain('the loss stayed at the margin (0.2, 0.2, 0.2 in epochs 1–3)');
});

it('either sign alone is enough; a loss that left the margin once in the last 3 epochs is not stuck', () => {
  expect(trainingWarnings({ ...healthy, defaultThreshold: 0.019 })[0]).toContain('under a tenth of the margin');
  expect(trainingWarnings({ ...healthy, defaultThreshold: 0.02 })).toEqual([]); // exactly a tenth
  const stuck = [0.2, 0.201, 0.199].map((loss, i) => ({ epoch: i + 1, loss }));
  expect(trainingWarnings({ ...healthy, history: stuck })[0]).toContain('the loss stayed at the margin');
  const moving = [0.2, 0.15, 0.2].map((loss, i) => ({ epoch: i + 1, loss }));
  expect(trainingWarnings({ ...healthy, history: moving })).toEqual([]);
  // contrastive: its collapsed loss depends on the pair mix, so only the threshold tells
  expect(trainingWarnings({ ...healthy, loss: 'contrastive', margin: 1, defaultThreshold: 0.05, history: stuck })[0]).toContain(
    '0.05 is under a tenth of the margin 1',
  );
});

it('without a margin, the distance range of normalised embeddings is the scale', () => {
  const proto = { ...healthy, loss: 'prototypical', margin: 0 };
  expect(trainingWarnings({ ...proto, defaultThreshold: 0.01 })[0]).toContain(
    'the default threshold 0.01 is under 1 % of the distance range [0, 2]',
  );
  expect(trainingWarnings({ ...proto, metric: 'cosine', l2Normalize: false, defaultThreshold: 0.01 })).toHaveLength(1);
  expect(trainingWarnings({ ...proto, l2Normalize: false, defaultThreshold: 0.01 })).toEqual([]); // unbounded: no scale to judge by
});

it('the shipped models raise none', () => {
  const models = path.resolve(__dirname, '../../models');
  for (const name of fs.readdirSync(models)) {
    const file = path.join(models, name, 'model-card.json');
    if (!fs.existsSync(file)) continue;
    const card = JSON.parse(fs.readFileSync(file, 'utf8')) as ModelCard;
    const h = card.hyperparameters as { loss?: string; margin?: number; history?: Array<{ epoch: number; loss: number }> };
    const input: TrainingWarningInput = {
      validationIdentities: card.data.validationIdentities,
      scoredOnTraining: false,
      calibratedElsewhere: false,
      loss: h.loss ?? 'ensemble',
      margin: h.margin ?? 0,
      metric: card.metric,
      l2Normalize: card.architecture.l2Normalize,
      defaultThreshold: card.thresholds.default,
      history: h.history ?? [],
    };
    expect({ name, warnings: trainingWarnings(input) }).toEqual({ name, warnings: [] });
  }
});

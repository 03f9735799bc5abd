import { trainingWarnings, type TrainingWarningInput } from '../../src/training/training-warnings';

/** Issue 17: the card's warning when raw pixels beat the trained model on validation, or replaced it. */
const base: TrainingWarningInput = {
  validationIdentities: 10,
  scoredOnTraining: false,
  calibratedElsewhere: false,
  loss: 'prototypical',
  margin: 1,
  metric: 'euclidean',
  l2Normalize: true,
  defaultThreshold: 0.8,
  history: [{ epoch: 1, loss: 1.2 }],
};
const baseline = { pixelEuclidean: { auc: 0.8, eer: 0.25 }, pixelCosine: { auc: 0.85, eer: 0.2 } };

it('warns with both numbers when the model AUC does not exceed the best pixel AUC', () => {
  expect(trainingWarnings({ ...base, baseline, modelValidation: { auc: 0.84, eer: 0.22 } })).toEqual([
    'the model does not beat raw pixels on validation: model AUC 0.8400 (EER 22.00%) vs pixel cosine AUC 0.8500 (EER 20.00%) on the same pairs; ' +
      'comparing the preprocessed images directly would serve better: train longer, with more identities or stronger augmentation, or try --recipe auto',
  ]);
});

it('says nothing when the model wins, or when there was no held-out validation to compare on', () => {
  expect(trainingWarnings({ ...base, baseline, modelValidation: { auc: 0.9, eer: 0.1 } })).toEqual([]);
  const onTraining = trainingWarnings({
    ...base,
    scoredOnTraining: true,
    calibratedElsewhere: true,
    baseline,
    modelValidation: { auc: 0.5, eer: 0.5 },
  });
  expect(onTraining).toEqual([]);
});

it('says the pixel feature was saved instead when the fallback replaced the model', () => {
  const w = trainingWarnings({
    ...base,
    baseline,
    modelValidation: { auc: 0.85, eer: 0.2 },
    pixelFallback: { trained: { auc: 0.7, eer: 0.3 } },
  });
  expect(w).toHaveLength(1);
  expect(w[0]).toMatch(
    /^training did not beat raw pixels on validation \(trained encoder AUC 0\.7000, EER 30\.00%\): the saved model is the pixel feature itself/,
  );
});

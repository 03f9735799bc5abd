import { DomainError } from '../../src/errors';
import { resolveRetrainOptions, stepsPerEpoch } from '../../src/services/retraining/retrain-options';
import { newVersionName } from '../../src/services/retraining/retraining.service';

describe('retrain options', () => {
  it('fills every default: fine-tune, IF_BETTER, contrastive, 100 steps per epoch', () => {
    expect(resolveRetrainOptions(undefined, 42)).toEqual({
      steps: 100,
      epochs: 1,
      loss: 'contrastive',
      margin: 0.5,
      learningRate: 1e-4,
      batchSize: 16,
      fromScratch: false,
      promote: 'IF_BETTER',
      seed: 42,
    });
    expect(resolveRetrainOptions({ fromScratch: true, loss: 'triplet', epochs: 3 }, 1)).toMatchObject({
      learningRate: 1e-3,
      margin: 0.2,
      steps: 300,
    });
  });

  it('refuses nonsense with BAD_USER_INPUT listing every problem', () => {
    let err: unknown;
    try {
      resolveRetrainOptions({ steps: 2, epochs: 3, margin: -1, learningRate: 0, promote: 'SOMETIMES' as never }, 1);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(DomainError);
    expect((err as DomainError).code).toBe('BAD_USER_INPUT');
    expect((err as DomainError).details.problems).toHaveLength(4);
  });

  it('splits the steps evenly over the epochs, rounding up', () => {
    expect(stepsPerEpoch({ steps: 6, epochs: 2 })).toBe(3);
    expect(stepsPerEpoch({ steps: 7, epochs: 2 })).toBe(4);
  });

  it('names new versions by time and run id, safe as a folder name', () => {
    expect(newVersionName('9f3a1c2e-aaaa-bbbb', new Date('2026-11-28T21:35:01.123Z'))).toBe('rt-20261128T213501-9f3a1c');
  });
});

import { comparePromotion, decidePromotion } from '../../src/services/retraining/promote-rule';

describe('promote rule', () => {
  const old = { auc: 0.9, eer: 0.1 };

  it('compares by EER first (lower is better), then AUC (higher is better)', () => {
    expect(comparePromotion(old, { auc: 0.8, eer: 0.05 })).toBe('better'); // lower EER wins even with a lower AUC
    expect(comparePromotion(old, { auc: 0.99, eer: 0.2 })).toBe('worse'); // higher EER loses even with a higher AUC
    expect(comparePromotion(old, { auc: 0.95, eer: 0.1 })).toBe('better');
    expect(comparePromotion(old, { auc: 0.85, eer: 0.1 })).toBe('worse');
    expect(comparePromotion(old, { auc: 0.9, eer: 0.1 })).toBe('equal');
    expect(comparePromotion(null, old)).toBe('unknown');
    expect(comparePromotion(old, { auc: NaN, eer: 0.1 })).toBe('unknown');
  });

  it('IF_BETTER promotes a model that is not worse, keeps the old one otherwise', () => {
    expect(decidePromotion('IF_BETTER', old, { auc: 0.95, eer: 0.05 }).promote).toBe(true);
    expect(decidePromotion('IF_BETTER', old, { auc: 0.9, eer: 0.1 }).promote).toBe(true);
    const worse = decidePromotion('IF_BETTER', old, { auc: 0.7, eer: 0.3 });
    expect(worse.promote).toBe(false);
    expect(worse.reason).toContain('worse on held-out pairs');
    expect(worse.reason).toContain('EER 0.3000');
    expect(decidePromotion('IF_BETTER', null, old).promote).toBe(false);
  });

  it('ALWAYS forces, NEVER refuses, whatever the numbers', () => {
    expect(decidePromotion('ALWAYS', old, { auc: 0.5, eer: 0.5 }).promote).toBe(true);
    expect(decidePromotion('ALWAYS', null, null).promote).toBe(true);
    expect(decidePromotion('NEVER', old, { auc: 1, eer: 0 }).promote).toBe(false);
  });
});

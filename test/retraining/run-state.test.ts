import { TRAINING_STATUSES } from '../../src/db';
import { canTransition, isFinal, predecessors } from '../../src/services/retraining/run-state';

describe('training run state machine', () => {
  it('walks QUEUED → RUNNING → EVALUATING → REINDEXING → SUCCEEDED, and skips REINDEXING when not promoted', () => {
    expect(canTransition('QUEUED', 'RUNNING')).toBe(true);
    expect(canTransition('RUNNING', 'EVALUATING')).toBe(true);
    expect(canTransition('EVALUATING', 'REINDEXING')).toBe(true);
    expect(canTransition('REINDEXING', 'SUCCEEDED')).toBe(true);
    expect(canTransition('EVALUATING', 'SUCCEEDED')).toBe(true);
  });

  it('never skips training or evaluation, never goes back', () => {
    expect(canTransition('QUEUED', 'SUCCEEDED')).toBe(false);
    expect(canTransition('RUNNING', 'SUCCEEDED')).toBe(false);
    expect(canTransition('RUNNING', 'REINDEXING')).toBe(false);
    expect(canTransition('EVALUATING', 'RUNNING')).toBe(false);
    expect(canTransition('REINDEXING', 'EVALUATING')).toBe(false);
  });

  it('every active state can fail or be cancelled; final states never change', () => {
    for (const s of ['QUEUED', 'RUNNING', 'EVALUATING', 'REINDEXING'] as const) {
      expect(canTransition(s, 'FAILED')).toBe(true);
      expect(canTransition(s, 'CANCELLED')).toBe(true);
      expect(isFinal(s)).toBe(false);
    }
    for (const f of ['SUCCEEDED', 'FAILED', 'CANCELLED'] as const) {
      expect(isFinal(f)).toBe(true);
      for (const to of TRAINING_STATUSES) expect(canTransition(f, to)).toBe(false);
    }
  });

  it('predecessors are the compare-and-set sources of each transition', () => {
    expect(predecessors('RUNNING')).toEqual(['QUEUED']);
    expect(predecessors('SUCCEEDED').sort()).toEqual(['EVALUATING', 'REINDEXING']);
    expect(predecessors('QUEUED')).toEqual([]);
    expect(predecessors('CANCELLED').sort()).toEqual(['EVALUATING', 'QUEUED', 'REINDEXING', 'RUNNING']);
  });
});

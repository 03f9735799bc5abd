import { DomainError } from '../../../src/errors';
import { forgeryVerificationPairs, groupByWriter } from '../../../src/training/data/forgery-data';

const LAYOUT = { genuineFolder: 'genuine', forgedFolder: 'forged' };

describe('forgery data (writers with genuine and forged folders)', () => {
  it('groups images by writer, genuine and forged apart, writers in numeric order', () => {
    const writers = groupByWriter(
      [
        { key: 'a', identity: 'cedar/10/genuine' },
        { key: 'b', identity: 'cedar/2/forged' },
        { key: 'c', identity: 'cedar/2/genuine' },
        { key: 'd', identity: 'cedar/10/forged' },
        { key: 'e', identity: 'cedar/10/genuine' },
      ],
      LAYOUT,
    );
    expect(writers.map((w) => w.writer)).toEqual(['cedar/2', 'cedar/10']);
    expect(writers[1].genuine.map((i) => i.key)).toEqual(['a', 'e']);
    expect(writers[1].forged.map((i) => i.key)).toEqual(['d']);
  });

  it('refuses a folder that is neither genuine nor forged', () => {
    expect(() => groupByWriter([{ key: 'x', identity: 'cedar/01/scans' }], LAYOUT)).toThrow(DomainError);
  });

  it('validation pairs: genuine–genuine of a writer (same) and genuine–forgery of the same writer (different)', () => {
    // Writer 0: genuine 0,1,2, forged 6,7; writer 1: genuine 3,4,5, forged 8,9.
    const pairs = forgeryVerificationPairs(
      [
        [0, 1, 2],
        [3, 4, 5],
      ],
      [
        [6, 7],
        [8, 9],
      ],
    );
    const same = pairs.filter((p) => p.same);
    const diff = pairs.filter((p) => !p.same);
    expect(same).toHaveLength(3 + 3);
    expect(diff).toHaveLength(6 + 6);
    expect(diff).toContainEqual({ a: 0, b: 6, same: false });
    // No cross-writer pair: a genuine of writer 0 is never paired with anything of writer 1.
    expect(pairs.some((p) => p.a <= 2 && ((p.b >= 3 && p.b <= 5) || p.b >= 8))).toBe(false);
  });
});

import { foldIdentities, parseFold, splitByFold } from '../../../src/training/evaluate/folds';
import type { ImageRef } from '../../../src/training/data/labelled-image-source';

const names = Array.from({ length: 30 }, (_, i) => `s${i + 1}`);
const images: ImageRef[] = names.flatMap((identity) => [1, 2].map((k) => ({ key: `${identity}/${k}.png`, identity }) as ImageRef));

describe('k-fold over identities', () => {
  it('parses I/K and rejects nonsense', () => {
    expect(parseFold('2/3')).toEqual({ index: 2, count: 3 });
    expect(() => parseFold('0/3')).toThrow(RangeError);
    expect(() => parseFold('4/3')).toThrow(RangeError);
    expect(() => parseFold('1/1')).toThrow(RangeError);
    expect(() => parseFold('a/b')).toThrow(RangeError);
  });

  it('fold I of K is every K-th identity in natural name order from the I-th', () => {
    // natural order s1, s2, …, s30 (not s1, s10, s11 …)
    expect(foldIdentities(names, { index: 1, count: 3 })).toEqual(['s1', 's4', 's7', 's10', 's13', 's16', 's19', 's22', 's25', 's28']);
    expect(foldIdentities(names, { index: 3, count: 3 })).toEqual(['s3', 's6', 's9', 's12', 's15', 's18', 's21', 's24', 's27', 's30']);
    // the input order does not matter
    expect(foldIdentities([...names].reverse(), { index: 2, count: 3 })).toEqual(foldIdentities(names, { index: 2, count: 3 }));
  });

  it('the K folds partition the identities, and each split is identity-disjoint', () => {
    const seen = new Set<string>();
    for (let f = 1; f <= 3; f++) {
      const split = splitByFold(images, { index: f, count: 3 });
      expect(split.validation.identities).toHaveLength(10);
      expect(split.train.identities).toHaveLength(20);
      expect(split.validation.images).toHaveLength(20);
      const train = new Set(split.train.identities);
      split.validation.identities.forEach((id) => {
        expect(train.has(id)).toBe(false);
        expect(seen.has(id)).toBe(false);
        seen.add(id);
      });
    }
    expect(seen.size).toBe(30);
  });

  it('refuses more folds than identities', () => {
    expect(() => splitByFold(images.slice(0, 4), { index: 1, count: 3 })).toThrow(RangeError);
  });
});

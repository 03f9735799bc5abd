import {
  buildTrainingData,
  imageKey,
  uploadKey,
  type EnrolledImageBytes,
  type PairWithBytes,
} from '../../src/services/retraining/training-data';

const bytes = (n: number) => Uint8Array.from([n]);
function enrolled(identities: Record<string, number>): EnrolledImageBytes[] {
  const out: EnrolledImageBytes[] = [];
  let n = 0;
  for (const [identityId, count] of Object.entries(identities))
    for (let i = 0; i < count; i++) out.push({ id: `${identityId}-${i}`, identityId, bytes: bytes(n++) });
  return out;
}
function pair(a: string | { upload: string }, b: string | { upload: string }, same: boolean, weight = 1): PairWithBytes {
  const side = (s: string | { upload: string }) => (typeof s === 'string' ? { id: s, sha: `sha-${s}` } : { id: null, sha: s.upload });
  const A = side(a);
  const B = side(b);
  return {
    id: `${A.sha}|${B.sha}`,
    imageAId: A.id,
    imageASha256: A.sha,
    imageBId: B.id,
    imageBSha256: B.sha,
    imageABytes: bytes(200),
    imageBBytes: bytes(201),
    same,
    weight,
  };
}

describe('retraining data', () => {
  const opts = { heldOutFraction: 0.2, minTrainIdentities: 2, seed: 3 };

  it('every image keeps its identity; held-out identities are disjoint from training', () => {
    const images = enrolled({ a: 3, b: 3, c: 3, d: 3, e: 3, f: 3, g: 3, h: 3, i: 3, j: 3 });
    const d = buildTrainingData(images, [], opts);
    const trainIds = new Set(d.train.map((i) => i.identity));
    const heldIds = new Set(d.heldOut.map((i) => i.identity));
    expect(d.disjoint).toBe(true);
    expect(heldIds.size).toBe(2); // max(2, round(10 × 0.2))
    expect(trainIds.size).toBe(8);
    for (const id of heldIds) expect(trainIds.has(id)).toBe(false);
    expect(d.train.length + d.heldOut.length).toBe(30);
    expect(d.heldOut.every((i) => images.find((e) => imageKey(e.id) === i.key)!.identityId === i.identity)).toBe(true);
  });

  it('labelled pairs always train: identities they touch are never held out', () => {
    const images = enrolled({ a: 2, b: 2, c: 2, d: 2 });
    const pairs = [pair('a-0', 'b-0', false), pair('c-0', 'c-1', true)];
    const d = buildTrainingData(images, pairs, opts);
    // a, b and c are touched by pairs; d alone is eligible, fewer than 2 → nothing held out.
    expect(d.disjoint).toBe(false);
    expect(d.train).toHaveLength(8);
    expect(d.pairs).toEqual([
      { a: imageKey('a-0'), b: imageKey('b-0'), same: false, weight: 1 },
      { a: imageKey('c-0'), b: imageKey('c-1'), same: true, weight: 1 },
    ]);
  });

  it('"same" labels merge identities and give uploads the identity they are joined to', () => {
    const images = enrolled({ a: 2, b: 2, c: 2, d: 2, e: 2, f: 2, g: 2 });
    const pairs = [
      pair('a-0', 'b-1', true, 3),
      pair({ upload: 'u1' }, 'c-0', true),
      pair({ upload: 'u2' }, { upload: 'u3' }, true),
      pair({ upload: 'u4' }, 'a-1', false),
    ];
    const d = buildTrainingData(images, pairs, opts);
    const idOf = (key: string) => [...d.train, ...d.heldOut].find((i) => i.key === key)!.identity;
    expect(idOf(imageKey('b-0'))).toBe('a'); // all of b joins a (the smaller id)
    expect(idOf(imageKey('b-1'))).toBe('a');
    expect(idOf(uploadKey('u1'))).toBe('c');
    expect(idOf(uploadKey('u2'))).toBe(idOf(uploadKey('u3')));
    expect(idOf(uploadKey('u2')).startsWith('pair-group:')).toBe(true);
    expect(idOf(uploadKey('u4'))).not.toBe('a'); // "not the same" never merges
    expect(d.pairs.find((p) => p.a === imageKey('a-0'))).toMatchObject({ weight: 3, same: true });
    // d, e, f, g are untouched: 2 of them are held out; the pairs' identities train.
    expect(d.disjoint).toBe(true);
    expect(new Set(d.heldOut.map((i) => i.identity)).size).toBe(2);
    for (const p of d.pairs) for (const k of [p.a, p.b]) expect(d.train.some((i) => i.key === k)).toBe(true);
  });

  it('is deterministic for a seed and independent of row order', () => {
    const images = enrolled({ a: 2, b: 2, c: 2, d: 2, e: 2, f: 2, g: 2, h: 2 });
    const x = buildTrainingData(images, [], opts);
    const y = buildTrainingData([...images].reverse(), [], opts);
    expect(y.heldOut.map((i) => i.key)).toEqual(x.heldOut.map((i) => i.key));
  });
});

import { findIllFormedString } from '../../src/server/string-arguments';

describe('findIllFormedString (the GraphQL argument guard)', () => {
  it('finds lone surrogates in values and keys, and names the path', () => {
    expect(findIllFormedString({ id: '\ud800' })).toEqual({ path: 'id', key: false });
    expect(findIllFormedString({ a: { imageId: 'x\udfff' } })).toEqual({ path: 'a.imageId', key: false });
    expect(findIllFormedString({ images: [{ base64: 'ok' }, { imageId: '\udc00' }] })).toEqual({ path: 'images[1].imageId', key: false });
    expect(findIllFormedString({ metadata: { tags: { ['k\ud800']: 1 } } })).toEqual({ path: 'metadata.tags', key: true });
    // A high surrogate at the very end, and a low one at the start, are both lone.
    expect(findIllFormedString({ n: 'Ada\ud83d' })).not.toBeNull();
    expect(findIllFormedString({ n: '\ude00Ada' })).not.toBeNull();
  });

  it('accepts well-formed text, pairs included, and skips non-plain objects (uploads)', () => {
    expect(findIllFormedString({ n: 'Ada \ud83d\ude00', m: { '\u00e9': ['\u674e', 1, null, true] } })).toBeNull();
    const upload = Promise.resolve({ filename: '\ud800' });
    expect(findIllFormedString({ image: { upload } })).toBeNull();
  });

  it('walks a 100,000-deep value without recursion', () => {
    const root: Record<string, unknown> = {};
    let at = root;
    for (let i = 0; i < 100_000; i++) {
      const next: Record<string, unknown> = {};
      at.a = next;
      at = next;
    }
    at.v = 'x\ud800';
    const found = findIllFormedString({ metadata: root });
    expect(found?.key).toBe(false);
    expect(found?.path.startsWith('metadata.a.a.a')).toBe(true);
    expect(found?.path.endsWith('.v')).toBe(true);
  });
});

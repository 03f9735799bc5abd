import { groupByIdentity } from '../../src/services/search.service';
import { decodeCursor, encodeCursor } from '../../src/services/identity.service';
import { ErrorCode } from '../../src/errors';

describe('groupByIdentity', () => {
  const owners = new Map([
    [1, { label: 1, imageId: 'i1', identityId: 'A' }],
    [2, { label: 2, imageId: 'i2', identityId: 'A' }],
    [3, { label: 3, imageId: 'i3', identityId: 'B' }],
    [4, { label: 4, imageId: 'i4', identityId: 'C' }],
  ]);

  it('keeps each identity once, with its closest image, ascending', () => {
    const hits = [
      { label: 2, distance: 0.5 },
      { label: 3, distance: 0.2 },
      { label: 1, distance: 0.1 },
      { label: 4, distance: 0.9 },
    ];
    expect(groupByIdentity(hits, owners)).toEqual([
      { identityId: 'A', imageId: 'i1', distance: 0.1 },
      { identityId: 'B', imageId: 'i3', distance: 0.2 },
      { identityId: 'C', imageId: 'i4', distance: 0.9 },
    ]);
  });

  it('drops labels without an owner and breaks ties by identity id', () => {
    const hits = [
      { label: 4, distance: 0.3 },
      { label: 99, distance: 0.0 },
      { label: 3, distance: 0.3 },
    ];
    expect(groupByIdentity(hits, owners).map((h) => h.identityId)).toEqual(['B', 'C']);
  });
});

describe('identity cursors', () => {
  it('round-trip', () => {
    const c = { createdAt: new Date('2026-01-02T03:04:05.678Z'), id: 'abc' };
    expect(decodeCursor(encodeCursor(c))).toEqual(c);
  });
  it('refuse garbage with BAD_USER_INPUT', () => {
    expect(() => decodeCursor('not-a-cursor')).toThrow(expect.objectContaining({ code: ErrorCode.BAD_USER_INPUT }));
  });
});

import { mirrorLeftRight, withMirroredClasses } from '../../../src/training/data/mirrored-classes';
import { withRotatedClasses } from '../../../src/training/data/rotated-classes';
import { superclassesOf } from '../../../src/training/samplers/superclasses';

describe('mirrored classes', () => {
  it('reflects columns and keeps channels together', () => {
    // 2×3 image, 2 channels: pixel (y, x) = [10y + x, 100 + 10y + x]. Mirrored, column x holds column 2 − x.
    const shape = { height: 2, width: 3, channels: 2 };
    const img = new Float32Array([0, 100, 1, 101, 2, 102, 10, 110, 11, 111, 12, 112]);
    expect(Array.from(mirrorLeftRight(img, shape))).toEqual([2, 102, 1, 101, 0, 100, 12, 112, 11, 111, 10, 110]);
    expect(Array.from(mirrorLeftRight(mirrorLeftRight(img, shape), shape))).toEqual(Array.from(img));
  });

  it('appends one mirrored identity per group, originals untouched', () => {
    const shape = { height: 1, width: 2, channels: 1 };
    const pixels = [new Float32Array([1, 2]), new Float32Array([3, 4]), new Float32Array([5, 6])];
    const groups = [[0, 1], [2]];
    const out = withMirroredClasses(pixels, groups, shape);
    expect(out.groups).toEqual([[0, 1], [2], [3, 4], [5]]);
    expect(out.pixels.slice(0, 3)).toEqual(pixels);
    expect(out.pixels.slice(3).map((p) => Array.from(p))).toEqual([
      [2, 1],
      [4, 3],
      [6, 5],
    ]);
  });

  it('after rotations gives the eight symmetries of a square glyph, each block its own superclass', () => {
    // [[1,2],[3,4]]: the 8 images of the dihedral group are all distinct.
    const shape = { height: 2, width: 2, channels: 1 };
    const rotated = withRotatedClasses([new Float32Array([1, 2, 3, 4])], [[0]], shape);
    const out = withMirroredClasses(rotated.pixels, rotated.groups, shape);
    expect(out.groups).toHaveLength(8);
    const images = out.groups.map((g) => Array.from(out.pixels[g[0]]).join(','));
    expect(new Set(images).size).toBe(8);
    // Group 4 mirrors group 0 (the original): [[2,1],[4,3]].
    expect(images[4]).toBe('2,1,4,3');
    // Two alphabets of one character each: 8 blocks × 2 alphabets = 16 superclasses, block b of alphabet a.
    const identities = ['alpha/c1', 'beta/c1'];
    const supers = superclassesOf(identities, 16);
    expect(new Set(supers).size).toBe(16);
    expect(supers.slice(0, 2)).toEqual([0, 1]);
  });
});

import { dedupeByContent } from '../../../src/training/data/dedupe';
import { MemoryImageSource } from '../../../src/training/data/labelled-image-source';

const bytes = (...v: number[]) => Uint8Array.from(v);

describe('dedupeByContent', () => {
  it('keeps the first copy by (identity, key) and reports what each dropped image duplicates', async () => {
    // "rootB/Greek/c1" is a file-for-file copy of "rootA/Greek/c1" (the Omniglot small1/small2 case).
    const images = [
      { key: 'B/c1/1.png', identity: 'rootB/Greek/c1', bytes: bytes(1, 1) },
      { key: 'A/c1/1.png', identity: 'rootA/Greek/c1', bytes: bytes(1, 1) },
      { key: 'A/c1/2.png', identity: 'rootA/Greek/c1', bytes: bytes(1, 2) },
      { key: 'B/c1/2.png', identity: 'rootB/Greek/c1', bytes: bytes(1, 2) },
      { key: 'A/c2/1.png', identity: 'rootA/Greek/c2', bytes: bytes(2, 1) },
    ];
    const source = new MemoryImageSource(images);
    const r = await dedupeByContent(source, await source.list());
    // Survivors in the caller's order; rootB's identity vanished entirely.
    expect(r.images.map((i) => i.key)).toEqual(['A/c1/1.png', 'A/c1/2.png', 'A/c2/1.png']);
    expect(new Set(r.dropped.map((d) => JSON.stringify(d)))).toEqual(
      new Set([
        JSON.stringify({ key: 'B/c1/1.png', duplicateOf: 'A/c1/1.png' }),
        JSON.stringify({ key: 'B/c1/2.png', duplicateOf: 'A/c1/2.png' }),
      ]),
    );
  });

  it('gives the same answer whatever the listing order', async () => {
    const images = [
      { key: 'x', identity: 'b', bytes: bytes(7) },
      { key: 'y', identity: 'a', bytes: bytes(7) },
      { key: 'z', identity: 'a', bytes: bytes(8) },
    ];
    const forward = await dedupeByContent(new MemoryImageSource(images), images);
    const reversed = await dedupeByContent(new MemoryImageSource(images), [...images].reverse());
    expect(forward.dropped).toEqual([{ key: 'x', duplicateOf: 'y' }]);
    expect(reversed.dropped).toEqual(forward.dropped);
    expect(new Set(reversed.images.map((i) => i.key))).toEqual(new Set(['y', 'z']));
  });

  it('leaves a dataset without duplicates untouched', async () => {
    const images = [
      { key: 'p', identity: 'a', bytes: bytes(1) },
      { key: 'q', identity: 'b', bytes: bytes(2) },
    ];
    const r = await dedupeByContent(new MemoryImageSource(images), images);
    expect(r.images).toHaveLength(2);
    expect(r.dropped).toEqual([]);
  });
});

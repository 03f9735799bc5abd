import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { createRepositories, openServiceStore, type DbStore } from '../../src/db';
import { CancelledError } from '../../src/errors';
import { embedMissing } from '../../src/services/embed-missing';

/**
 * The one "embed what is missing" loop (index opening and catch-up, a training run's
 * re-embedding), on a real SQLite file: every image without a vector gets one, chunk by
 * chunk; a stored image that cannot be embedded is skipped (reported once) without
 * stopping the others or looping forever; a checkpoint that throws stops the pass with
 * what it stored so far kept, and a second pass resumes.
 */
describe('embedMissing', () => {
  let dir: string;
  let store: DbStore;
  const BAD = 0xee;

  beforeEach(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'embed-missing-'));
    store = await openServiceStore(`file:${path.join(dir, 'db.sqlite')}`);
    const repos = createRepositories(store.db);
    const who = await repos.identities.create({ name: 'p', metadata: null });
    // 7 images; #3 and #5 cannot be embedded (first byte BAD).
    for (let i = 0; i < 7; i++) {
      const bytes = new Uint8Array([i === 3 || i === 5 ? BAD : 1, i, 7]);
      await repos.images.addWithEmbeddings(who.id, [{ image: { bytes, mimeType: 'image/png', width: 16, height: 16 } }]);
    }
  });
  afterEach(async () => {
    await store.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  /** Embeds [second byte, 1]; a chunk holding a bad image fails as a whole, like a decode error would. */
  const embedder = {
    async embedImages(images: Uint8Array[]) {
      if (images.some((b) => b[0] === BAD)) throw new Error('cannot decode');
      return images.map((b) => new Float32Array([b[1], 1]));
    },
  };

  it('embeds every image it can, in chunks, and skips the bad ones once', async () => {
    const skipped: string[] = [];
    const chunks: number[] = [];
    const stored = await embedMissing({
      version: 'v1',
      source: store,
      embedder,
      save: (items) => store.addEmbeddings('v1', items),
      chunk: 3,
      afterChunk: (n) => void chunks.push(n),
      onSkipped: (id, e) => skipped.push(`${id}:${e.message}`),
    });
    expect(stored).toBe(5);
    expect(await store.countEmbeddings('v1')).toBe(5);
    expect(skipped).toHaveLength(2);
    expect(new Set(skipped).size).toBe(2);
    expect(skipped.every((s) => s.endsWith(':cannot decode'))).toBe(true);
    const left = await store.imagesMissingEmbedding('v1', 10);
    expect(left.map((b) => b.bytes[0])).toEqual([BAD, BAD]);
    // The stored vectors are the embedder's, one per good image.
    expect((await store.allLabels('v1')).length).toBe(5);
    // Progress is cumulative and ends at the total.
    expect(chunks[chunks.length - 1]).toBe(5);
    expect([...chunks].sort((a, b) => a - b)).toEqual(chunks);
  });

  it('with a cursor reads each image once, and a skip set kept by the caller spares the bad ones the next pass', async () => {
    const reads: Array<{ take: number; afterId: string | null | undefined; got: number }> = [];
    const source = {
      imagesMissingEmbedding: async (version: string, take: number, afterId?: string | null) => {
        const rows = await store.imagesMissingEmbedding(version, take, afterId);
        reads.push({ take, afterId, got: rows.length });
        return rows;
      },
    };
    const skipped = new Set<string>();
    const calls: number[] = [];
    const counting = {
      embedImages: (images: Uint8Array[]) => {
        calls.push(images.length);
        return embedder.embedImages(images);
      },
    };
    const pass = () =>
      embedMissing({
        version: 'v3',
        source,
        embedder: counting,
        save: (items) => store.addEmbeddings('v3', items),
        chunk: 2,
        cursor: true,
        skipped,
      });
    expect(await pass()).toBe(5);
    expect(skipped.size).toBe(2);
    // 7 images in reads of 2 after the last id read, then one empty read: 5 reads, every one but the first after an id.
    expect(reads.map((r) => r.got)).toEqual([2, 2, 2, 1, 0]);
    expect(reads[0].afterId).toBeNull();
    expect(reads.slice(1).every((r) => typeof r.afterId === 'string')).toBe(true);
    // A second pass finds only the two bad images, and does not try them again.
    reads.length = 0;
    calls.length = 0;
    expect(await pass()).toBe(0);
    expect(reads.map((r) => r.got)).toEqual([2, 0]);
    expect(calls).toEqual([]);
  });

  it('stops at a checkpoint that throws, keeps what it stored, and a second pass finishes', async () => {
    let checks = 0;
    const stop = () => {
      if (++checks === 2) throw new CancelledError();
    };
    const good = { embedImages: async (images: Uint8Array[]) => images.map((b) => new Float32Array([b[1], 1])) };
    await expect(
      embedMissing({
        version: 'v2',
        source: store,
        embedder: good,
        save: (items) => store.addEmbeddings('v2', items),
        chunk: 2,
        checkpoint: stop,
      }),
    ).rejects.toBeInstanceOf(CancelledError);
    expect(await store.countEmbeddings('v2')).toBe(2);
    const rest = await embedMissing({
      version: 'v2',
      source: store,
      embedder: good,
      save: (items) => store.addEmbeddings('v2', items),
      chunk: 2,
    });
    expect(rest).toBe(5);
    expect(await store.countEmbeddings('v2')).toBe(7);
  });
});

/**
 * Right to erasure in the repositories (issue 13): labelled pairs tagged with the people they
 * show, erased with the person or the image, the Erasure log (ids only), deleteLabelledPair,
 * and the training snapshot a retraining run reads in one transaction. Run unchanged on SQLite
 * and PostgreSQL (sqlite.erasure.test.ts, postgresql.erasure.test.ts); every test gets a
 * fresh, migrated database.
 */
import { ErrorCode } from '../../src/errors';
import { openStore, readTrainingSnapshot, Store } from '../../src/db';
import type { TestDatabase } from './db-targets';

const bytesOf = (text: string) => new Uint8Array(Buffer.from(text, 'utf8'));
const img = (text: string) => ({ bytes: bytesOf(text), mimeType: 'image/png', width: 4, height: 3 });
const vec = (...xs: number[]) => Float32Array.from(xs);
const sorted = (xs: readonly string[]) => [...xs].sort();

async function codeOf(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (e) {
    return (e as { code?: string }).code ?? `no code: ${(e as Error).message}`;
  }
  throw new Error('expected a rejection');
}

export function erasureContract(makeDatabase: () => TestDatabase): void {
  let target: TestDatabase;
  let store: Store;

  beforeEach(async () => {
    target = makeDatabase();
    store = await openStore(target.url);
  });
  afterEach(async () => {
    await store.close();
    await target.dispose();
  });

  /** Rows read with raw SQL: the database itself, not the API. */
  async function raw<T>(sql: string): Promise<T[]> {
    return store.db.run((p) => p.$queryRawUnsafe<T[]>(sql));
  }
  const rawCount = async (table: string) => Number((await raw<{ n: number | bigint }>(`SELECT COUNT(*) AS n FROM "${table}"`))[0].n);
  const erasureLog = async () =>
    (await raw<{ kind: string; targetId: string }>(`SELECT kind, "targetId" FROM "Erasure"`)).map((r) => `${r.kind}:${r.targetId}`).sort();

  /** Two people; `gone` has two enrolled images, `kept` one. */
  async function twoPeople() {
    const { identities, images } = store.repos;
    const gone = await identities.create({ name: 'Erase me' });
    const kept = await identities.create({ name: 'Keep me' });
    const [g0, g1] = await images.addWithEmbeddings(gone.id, [
      { image: img('g0'), embedding: { modelVersion: 'v1', vector: vec(1, 0) } },
      { image: img('g1'), embedding: { modelVersion: 'v1', vector: vec(0, 1) } },
    ]);
    const [k0] = await images.addWithEmbeddings(kept.id, [{ image: img('k0'), embedding: { modelVersion: 'v1', vector: vec(1, 1) } }]);
    return { gone: gone.id, kept: kept.id, g0: g0.image.id, g1: g1.image.id, k0: k0.image.id };
  }

  describe('labelled pair subjects', () => {
    it('tags enrolled sides with their owner and uploaded sides with the named identities', async () => {
      const { gone, kept, g0, k0 } = await twoPeople();
      const { labelledPairs } = store.repos;
      const enrolledBoth = await labelledPairs.create({ a: { imageId: g0 }, b: { imageId: k0 }, same: false, source: 'admin' });
      expect(enrolledBoth.identityIds).toEqual(sorted([gone, kept]));
      const uploads = await labelledPairs.create({
        a: { bytes: bytesOf('u1') },
        b: { bytes: bytesOf('u2') },
        same: true,
        source: 'admin',
        identityIds: [gone, gone],
      });
      expect(uploads.identityIds).toEqual([gone]);
      const untagged = await labelledPairs.create({
        a: { bytes: bytesOf('u3') },
        b: { bytes: bytesOf('u4') },
        same: false,
        source: 'admin',
      });
      expect(untagged.identityIds).toEqual([]);
      const mixed = await labelledPairs.create({
        a: { imageId: k0 },
        b: { bytes: bytesOf('u5') },
        same: false,
        source: 'admin',
        identityIds: [gone],
      });
      expect(mixed.identityIds).toEqual(sorted([gone, kept]));
      // Read back, one by one and paged.
      expect((await labelledPairs.get(uploads.id))?.identityIds).toEqual([gone]);
      const page = await labelledPairs.list({ first: 10 });
      expect(new Map(page.items.map((p) => [p.id, p.identityIds]))).toEqual(
        new Map([
          [enrolledBoth.id, sorted([gone, kept])],
          [uploads.id, [gone]],
          [untagged.id, []],
          [mixed.id, sorted([gone, kept])],
        ]),
      );
      expect(await rawCount('LabelledPairSubject')).toBe(2 + 1 + 0 + 2);
    });

    it('refuses an unknown identity (NOT_FOUND) and stores nothing', async () => {
      const { gone } = await twoPeople();
      const { labelledPairs } = store.repos;
      const pair = { a: { bytes: bytesOf('x') }, b: { bytes: bytesOf('y') }, same: true, source: 'admin' as const };
      expect(await codeOf(labelledPairs.create({ ...pair, identityIds: [gone, 'no-such-identity'] }))).toBe(ErrorCode.NOT_FOUND);
      expect(await codeOf(labelledPairs.create({ ...pair, identityIds: [''] }))).toBe(ErrorCode.BAD_USER_INPUT);
      expect(await rawCount('LabelledPair')).toBe(0);
      expect(await rawCount('LabelledPairSubject')).toBe(0);
    });
  });

  describe('erasure of pairs with the person, the image, or alone', () => {
    it('deleteIdentity erases pairs tagged with the person and pairs using their images, and logs ids only', async () => {
      const { gone, kept, g0, g1, k0 } = await twoPeople();
      const { identities, labelledPairs } = store.repos;
      // Uploaded bytes of the person on both sides, never enrolled: only the tag links them.
      const uploaded = await labelledPairs.create({
        a: { bytes: bytesOf('gone-upload-1') },
        b: { bytes: bytesOf('gone-upload-2') },
        same: true,
        source: 'admin',
        identityIds: [gone],
      });
      const refA = await labelledPairs.create({ a: { imageId: g0 }, b: { imageId: k0 }, same: false, source: 'admin' });
      const refB = await labelledPairs.create({ a: { bytes: bytesOf('query') }, b: { imageId: g1 }, same: true, source: 'correction' });
      const keptPair = await labelledPairs.create({
        a: { imageId: k0 },
        b: { bytes: bytesOf('k-upload') },
        same: true,
        source: 'admin',
        identityIds: [kept],
      });
      const untagged = await labelledPairs.create({
        a: { bytes: bytesOf('n1') },
        b: { bytes: bytesOf('n2') },
        same: false,
        source: 'admin',
      });

      expect(await identities.delete(gone)).not.toBeNull();
      expect(sorted((await raw<{ id: string }>(`SELECT id FROM "LabelledPair"`)).map((r) => r.id))).toEqual(
        sorted([keptPair.id, untagged.id]),
      );
      expect(await rawCount('LabelledPairSubject')).toBe(1);
      expect(await erasureLog()).toEqual(
        [
          `identity:${gone}`,
          `image:${g0}`,
          `image:${g1}`,
          `labelledPair:${uploaded.id}`,
          `labelledPair:${refA.id}`,
          `labelledPair:${refB.id}`,
        ].sort(),
      );
      // Ids only: the log has no column that could hold a name, bytes or a hash.
      const columns = Object.keys((await raw<Record<string, unknown>>(`SELECT * FROM "Erasure"`))[0]).sort();
      expect(columns).toEqual(['createdAt', 'id', 'kind', 'targetId']);
      // A second delete finds nothing and logs nothing.
      expect(await identities.delete(gone)).toBeNull();
      expect(await rawCount('Erasure')).toBe(6);
    });

    it('deleteImage erases the pairs using that image only, and logs the image and each pair', async () => {
      const { gone, g0, g1, k0 } = await twoPeople();
      const { images, labelledPairs } = store.repos;
      const usesG0 = await labelledPairs.create({ a: { imageId: g0 }, b: { imageId: k0 }, same: false, source: 'admin' });
      const usesG1 = await labelledPairs.create({ a: { imageId: g1 }, b: { bytes: bytesOf('u') }, same: true, source: 'admin' });
      const taggedOnly = await labelledPairs.create({
        a: { bytes: bytesOf('t1') },
        b: { bytes: bytesOf('t2') },
        same: true,
        source: 'admin',
        identityIds: [gone],
      });

      expect(await images.delete(g0)).toEqual([{ modelVersion: 'v1', label: 0 }]);
      expect(sorted((await raw<{ id: string }>(`SELECT id FROM "LabelledPair"`)).map((r) => r.id))).toEqual(
        sorted([usesG1.id, taggedOnly.id]),
      );
      expect(await erasureLog()).toEqual([`image:${g0}`, `labelledPair:${usesG0.id}`].sort());
      expect(await images.delete(g0)).toBeNull();
      expect(await rawCount('Erasure')).toBe(2);
    });

    it('deleteLabelledPair erases one pair with its bytes and logs it; an unknown id changes nothing', async () => {
      const { gone, k0 } = await twoPeople();
      const { labelledPairs } = store.repos;
      const pair = await labelledPairs.create({
        a: { bytes: bytesOf('erase-these-bytes') },
        b: { imageId: k0 },
        same: false,
        source: 'admin',
        identityIds: [gone],
      });
      const other = await labelledPairs.create({ a: { bytes: bytesOf('o1') }, b: { bytes: bytesOf('o2') }, same: true, source: 'admin' });
      expect(await labelledPairs.delete(pair.id)).toBe(true);
      expect(await labelledPairs.get(pair.id)).toBeNull();
      expect(await rawCount('LabelledPairSubject')).toBe(0);
      expect(await erasureLog()).toEqual([`labelledPair:${pair.id}`]);
      expect(await labelledPairs.delete(pair.id)).toBe(false);
      expect(await labelledPairs.delete('no-such-pair')).toBe(false);
      expect(await rawCount('Erasure')).toBe(1);
      expect((await labelledPairs.get(other.id))?.id).toBe(other.id);
    });
  });

  describe('what a training run read vs. the erasure log', () => {
    it('counts, per kind, the erased ids among those a run used', async () => {
      const { gone, kept, g0, g1, k0 } = await twoPeople();
      const { identities, labelledPairs, erasures } = store.repos;
      const pGone = await labelledPairs.create({
        a: { bytes: bytesOf('a') },
        b: { bytes: bytesOf('b') },
        same: true,
        source: 'admin',
        identityIds: [gone],
      });
      const pKept = await labelledPairs.create({ a: { imageId: k0 }, b: { bytes: bytesOf('c') }, same: true, source: 'admin' });
      const used = { identityIds: [gone, kept], imageIds: [g0, g1, k0], pairIds: [pGone.id, pKept.id] };
      expect(await erasures.touching(used)).toEqual({ identity: 0, image: 0, labelledPair: 0 });
      await identities.delete(gone);
      expect(await erasures.touching(used)).toEqual({ identity: 1, image: 2, labelledPair: 1 });
      // Ids the run did not use do not count, whatever was erased.
      expect(await erasures.touching({ identityIds: [kept], imageIds: [k0], pairIds: [pKept.id] })).toEqual({
        identity: 0,
        image: 0,
        labelledPair: 0,
      });
      expect((await erasures.recent()).map((e) => e.kind).sort()).toEqual(['identity', 'image', 'image', 'labelledPair']);
    });

    it('the training snapshot reads images and pairs in one transaction: a deletion committed mid-read is not seen', async () => {
      const { gone, kept, g0, g1, k0 } = await twoPeople();
      const { labelledPairs } = store.repos;
      const pGone = await labelledPairs.create({
        a: { bytes: bytesOf('gone-a') },
        b: { imageId: g1 },
        same: true,
        source: 'admin',
        identityIds: [gone],
      });
      const pKept = await labelledPairs.create({ a: { imageId: k0 }, b: { bytes: bytesOf('kept-b') }, same: true, source: 'admin' });
      // A second connection (like the server while the training child reads) erases the person
      // after the images were read and before the pairs are.
      const other = await openStore(target.url, { busyTimeoutMs: 200 });
      try {
        const snap = await readTrainingSnapshot(store.db, {
          chunkSize: 1,
          afterImages: async () => {
            expect(await other.repos.identities.delete(gone)).not.toBeNull();
          },
        });
        // Consistent: the pairs are those that existed with the images read, not a mix.
        expect(sorted(snap.images.map((i) => i.id))).toEqual(sorted([g0, g1, k0]));
        expect(sorted(snap.pairs.map((p) => p.id))).toEqual(sorted([pGone.id, pKept.id]));
        expect(Buffer.from(snap.pairs.find((p) => p.id === pGone.id)!.imageABytes).toString()).toBe('gone-a');
        expect(snap.used).toEqual({
          identityIds: sorted([gone, kept]),
          imageIds: snap.images.map((i) => i.id),
          pairIds: sorted([pGone.id, pKept.id]),
        });
        // …and the erasure log tells the run what it must not promote.
        expect(await store.repos.erasures.touching(snap.used)).toEqual({ identity: 1, image: 2, labelledPair: 1 });
        // A snapshot taken after the erasure never sees the person.
        const after = await readTrainingSnapshot(store.db);
        expect(after.used).toEqual({ identityIds: [kept], imageIds: [k0], pairIds: [pKept.id] });
      } finally {
        await other.close();
      }
    });
  });
}

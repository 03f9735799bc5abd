/**
 * The repository suite, run unchanged against SQLite and PostgreSQL
 * (sqlite.repositories.test.ts, postgresql.repositories.test.ts). Every test gets a fresh,
 * migrated database, so no test depends on another's rows or on execution order.
 */
import * as crypto from 'crypto';
import { ErrorCode } from '../../src/errors';
import { openStore, Store } from '../../src/db';
import type { TestDatabase } from './db-targets';

const bytesOf = (text: string) => new Uint8Array(Buffer.from(text, 'utf8'));
const sha = (b: Uint8Array) => crypto.createHash('sha256').update(b).digest('hex');
const img = (text: string) => ({ bytes: bytesOf(text), mimeType: 'image/png', width: 4, height: 3 });
const vec = (...xs: number[]) => Float32Array.from(xs);

/** Resolves to the DomainError code of a rejected promise. */
async function codeOf(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (e) {
    return (e as { code?: string }).code ?? `no code: ${(e as Error).message}`;
  }
  throw new Error('expected a rejection');
}

export function repositoryContract(makeDatabase: () => TestDatabase): void {
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

  /** Row count of a table read with raw SQL: checks the database itself, not the API. */
  async function rawCount(table: string): Promise<number> {
    const rows = await store.db.run((p) => p.$queryRawUnsafe<Array<{ n: number | bigint }>>(`SELECT COUNT(*) AS n FROM "${table}"`));
    return Number(rows[0].n);
  }

  describe('migrations', () => {
    it('are applied once; a second start applies nothing', async () => {
      expect(store.migrations.applied.length).toBe(store.migrations.total);
      expect(store.migrations.total).toBeGreaterThanOrEqual(1);
      const again = await openStore(target.url);
      expect(again.migrations.applied).toEqual([]);
      await again.close();
    });

    it('concurrent starters on a fresh database all succeed and apply each migration once', async () => {
      const fresh = makeDatabase();
      try {
        const stores = await Promise.all([1, 2, 3].map(() => openStore(fresh.url)));
        const applied = stores.flatMap((s) => s.migrations.applied);
        expect(applied).toEqual([...new Set(applied)]);
        expect(applied.length).toBe(stores[0].migrations.total);
        await Promise.all(stores.map((s) => s.close()));
      } finally {
        await fresh.dispose();
      }
    });
  });

  describe('identities', () => {
    it('creates, reads, updates and clears metadata', async () => {
      const { identities } = store.repos;
      const created = await identities.create({ name: 'Ada', metadata: { team: 'x', n: 2, nested: { ok: true } } });
      expect(created).toMatchObject({ name: 'Ada', metadata: { team: 'x', n: 2, nested: { ok: true } }, imageCount: 0 });
      expect(created.createdAt).toBeInstanceOf(Date);
      expect(await identities.get(created.id)).toEqual(created);
      const renamed = await identities.update(created.id, { name: 'Ada L.' });
      expect(renamed).toMatchObject({ name: 'Ada L.', metadata: { team: 'x', n: 2, nested: { ok: true } } });
      const cleared = await identities.update(created.id, { metadata: null });
      expect(cleared?.metadata).toBeNull();
      expect(await identities.update('missing', { name: 'x' })).toBeNull();
      expect(await identities.get('missing')).toBeNull();
      expect(await codeOf(identities.create({ name: 'bad', metadata: [1] as never }))).toBe(ErrorCode.BAD_USER_INPUT);
    });

    it('getMany keeps the order asked for and drops unknown ids', async () => {
      const { identities } = store.repos;
      const a = await identities.create({ name: 'a' });
      const b = await identities.create({ name: 'b' });
      const got = await identities.getMany([b.id, 'nope', a.id, b.id]);
      expect(got.map((i) => i.id)).toEqual([b.id, a.id]);
      expect(await identities.getMany([])).toEqual([]);
    });

    it('pages through every identity exactly once, oldest first', async () => {
      const { identities } = store.repos;
      const ids: string[] = [];
      for (let i = 0; i < 5; i++) ids.push((await identities.create({ name: `p${i}` })).id);
      const seen: string[] = [];
      let after: string | null = null;
      let pages = 0;
      for (;;) {
        const page = await identities.list({ first: 2, after });
        seen.push(...page.items.map((i) => i.id));
        expect(page.cursors.length).toBe(page.items.length);
        pages++;
        if (!page.hasNextPage) break;
        after = page.endCursor;
      }
      expect(pages).toBe(3); // 2 + 2 + 1
      expect([...seen].sort()).toEqual([...ids].sort());
      // Ascending (createdAt, id): each item's position key is >= the previous one's.
      const all = await identities.getMany(seen);
      for (let i = 1; i < all.length; i++) {
        const prev = all[i - 1];
        const cur = all[i];
        expect(
          cur.createdAt.getTime() > prev.createdAt.getTime() || (cur.createdAt.getTime() === prev.createdAt.getTime() && cur.id > prev.id),
        ).toBe(true);
      }
      expect(await identities.count()).toBe(5);
      const empty = await identities.list({ first: 0 });
      expect(empty).toMatchObject({ items: [], endCursor: null, hasNextPage: true });
      expect(await codeOf(identities.list({ first: 2, after: 'garbage' }))).toBe(ErrorCode.BAD_USER_INPUT);
      expect(await codeOf(identities.list({ first: -1 }))).toBe(ErrorCode.BAD_USER_INPUT);
    });

    it('finds by name (oldest first) and pages by an explicit position', async () => {
      const { identities } = store.repos;
      const first = await identities.create({ name: 'twin' });
      const second = await identities.create({ name: 'twin' });
      await identities.create({ name: 'other' });
      expect((await identities.findByName('twin'))?.id).toBe(
        [first, second].sort((a, b) => a.createdAt.getTime() - b.createdAt.getTime() || (a.id < b.id ? -1 : 1))[0].id,
      );
      expect(await identities.findByName('nobody')).toBeNull();
      const page1 = await identities.listAfter(null, 2);
      const page2 = await identities.listAfter(page1[1], 2);
      expect(page1.length).toBe(2);
      expect(page2.length).toBe(1);
      expect([...page1, ...page2].map((i) => i.name).sort()).toEqual(['other', 'twin', 'twin']);
    });

    it('a cursor stays valid after its row is deleted', async () => {
      const { identities } = store.repos;
      for (let i = 0; i < 3; i++) await identities.create({ name: `d${i}` });
      const first = await identities.list({ first: 1 });
      await identities.delete(first.items[0].id);
      const rest = await identities.list({ first: 10, after: first.endCursor });
      expect(rest.items.length).toBe(2);
      expect(rest.items.map((i) => i.id)).not.toContain(first.items[0].id);
    });
  });

  describe('identity name keys (issue 13: names unique, case- and Unicode-insensitive)', () => {
    it('a second identity with the same nameKey is refused with CONFLICT naming the holder', async () => {
      const { identities } = store.repos;
      const ada = await identities.create({ name: 'Ada', nameKey: 'ada' });
      let err: { code?: string; details?: Record<string, unknown> } = {};
      await identities.create({ name: 'ADA', nameKey: 'ada' }).catch((e) => (err = e));
      expect(err.code).toBe(ErrorCode.CONFLICT);
      expect(err.details).toEqual({ argument: 'name', existingId: ada.id });
      expect(await rawCount('Identity')).toBe(1);
      expect((await identities.findByNameKey('ada'))?.id).toBe(ada.id);
      expect(await identities.findByNameKey('grace')).toBeNull();
    });

    it('rows without a key (NULL) do not collide with each other; a rename onto a taken key conflicts', async () => {
      const { identities } = store.repos;
      await identities.create({ name: 'legacy' });
      await identities.create({ name: 'legacy' });
      const grace = await identities.create({ name: 'Grace', nameKey: 'grace' });
      const other = await identities.create({ name: 'Other', nameKey: 'other' });
      expect(await codeOf(identities.update(other.id, { name: 'GRACE', nameKey: 'grace' }))).toBe(ErrorCode.CONFLICT);
      expect((await identities.get(other.id))?.name).toBe('Other');
      expect((await identities.update(grace.id, { name: 'Grace H.', nameKey: 'grace h.' }))?.name).toBe('Grace H.');
    });

    it('concurrent creates of one key: exactly one row', async () => {
      const { identities } = store.repos;
      const results = await Promise.allSettled([0, 1, 2, 3].map(() => identities.create({ name: 'Twin', nameKey: 'twin' })));
      expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
      for (const r of results) if (r.status === 'rejected') expect((r.reason as { code: string }).code).toBe(ErrorCode.CONFLICT);
      expect(await rawCount('Identity')).toBe(1);
    });

    it('backfill: oldest of duplicates gets the key, the rest stay NULL and are counted; idempotent', async () => {
      const { identities } = store.repos;
      const at = (day: number) => new Date(Date.UTC(2020, 0, day));
      const rows: Record<string, string> = {};
      for (const [name, day] of [
        ['ADA', 2],
        ['Ada', 1],
        ['Grace', 3],
        ['  ', 4],
        ['ada ', 5],
      ] as const) {
        rows[name] = (await store.db.run((p) => p.identity.create({ data: { name, createdAt: at(day) }, select: { id: true } }))).id;
      }
      // A key set by the new code meanwhile wins over older NULL rows.
      const kept = await identities.create({ name: 'Kept', nameKey: 'grace' });
      const keyOf = (n: string) => n.trim().toLowerCase();
      expect(await identities.backfillNameKeys(keyOf)).toEqual({ assigned: 1, duplicates: 4 });
      const keys = await store.db.run((p) => p.identity.findMany({ select: { id: true, nameKey: true } }));
      const keyById = new Map(keys.map((k) => [k.id, k.nameKey]));
      expect(keyById.get(rows.Ada)).toBe('ada');
      expect([rows.ADA, rows['ada '], rows.Grace, rows['  ']].map((id) => keyById.get(id))).toEqual([null, null, null, null]);
      expect(keyById.get(kept.id)).toBe('grace');
      expect(await identities.backfillNameKeys(keyOf)).toEqual({ assigned: 0, duplicates: 4 });
    });

    it('backfill pages through more than one page', async () => {
      const { identities } = store.repos;
      for (let i = 0; i < 1100; i += 100) {
        await store.db.run((p) => p.identity.createMany({ data: Array.from({ length: 100 }, (_, j) => ({ name: `p${i + j}` })) }));
      }
      expect(await identities.backfillNameKeys((n) => n)).toEqual({ assigned: 1100, duplicates: 0 });
      expect(await store.db.run((p) => p.identity.count({ where: { nameKey: null } }))).toBe(0);
    });
  });

  describe('images and embeddings', () => {
    it('stores images with their vectors in one call, labels allocated consecutively', async () => {
      const { identities, images, embeddings } = store.repos;
      const who = await identities.create({ name: 'Grace' });
      const vectors = [vec(1, 0, 0), vec(1 / 3, -2.5e-30, 0.1), vec(-0, 3.4e38, -1)];
      const added = await images.addWithEmbeddings(
        who.id,
        vectors.map((v, i) => ({ image: img(`grace-${i}`), embedding: { modelVersion: 'v1', vector: v } })),
      );
      expect(added.map((a) => a.embedding?.label)).toEqual([0, 1, 2]);
      expect(added.every((a) => a.embedding?.dimension === 3 && a.embedding.modelVersion === 'v1')).toBe(true);
      expect(added[1].image).toMatchObject({
        identityId: who.id,
        sha256: sha(bytesOf('grace-1')),
        mimeType: 'image/png',
        width: 4,
        height: 3,
        byteSize: bytesOf('grace-1').byteLength,
      });
      // Bytes and float32 vectors round-trip exactly (bit for bit, -0 included).
      expect(Buffer.compare(Buffer.from((await images.getBytes(added[2].image.id))!), Buffer.from('grace-2'))).toBe(0);
      for (let i = 0; i < 3; i++) {
        const back = await embeddings.getVector(added[i].image.id, 'v1');
        expect(Buffer.from(back!.buffer).equals(Buffer.from(vectors[i].buffer))).toBe(true);
      }
      const rec = await embeddings.get(added[0].image.id, 'v1');
      expect(rec).toMatchObject({ identityId: who.id, modelVersion: 'v1', label: 0, dimension: 3 });
      expect(await embeddings.getVector(added[0].image.id, 'v2')).toBeNull();
      expect((await identities.get(who.id))?.imageCount).toBe(3);
      expect((await images.listByIdentity(who.id)).map((i) => i.id).sort()).toEqual(added.map((a) => a.image.id).sort());
      expect((await images.findBySha256(sha(bytesOf('grace-0')))).map((i) => i.id)).toEqual([added[0].image.id]);
      expect(await embeddings.nextLabel('v1')).toBe(3);
    });

    it('is all or nothing: a failure inside the batch stores nothing', async () => {
      const { identities, images, embeddings } = store.repos;
      const who = await identities.create({ name: 'Atomic' });
      const bad = { ...img('second'), mimeType: undefined as unknown as string }; // rejected by the database layer
      await expect(
        images.addWithEmbeddings(who.id, [
          { image: img('first'), embedding: { modelVersion: 'v1', vector: vec(1, 2) } },
          { image: bad, embedding: { modelVersion: 'v1', vector: vec(3, 4) } },
        ]),
      ).rejects.toThrow();
      expect(await rawCount('EnrolledImage')).toBe(0);
      expect(await rawCount('Embedding')).toBe(0);
      expect(await embeddings.nextLabel('v1')).toBe(0);
    });

    it('refuses unknown identities, empty bytes and non-finite vectors', async () => {
      const { identities, images } = store.repos;
      expect(await codeOf(images.addWithEmbeddings('missing', [{ image: img('x') }]))).toBe(ErrorCode.NOT_FOUND);
      const who = await identities.create({ name: 'v' });
      expect(await codeOf(images.addWithEmbeddings(who.id, [{ image: { ...img('x'), bytes: new Uint8Array(0) } }]))).toBe(
        ErrorCode.BAD_USER_INPUT,
      );
      expect(
        await codeOf(images.addWithEmbeddings(who.id, [{ image: img('x'), embedding: { modelVersion: 'v1', vector: vec(1, NaN) } }])),
      ).toBe(ErrorCode.BAD_USER_INPUT);
      expect(await rawCount('EnrolledImage')).toBe(0);
    });

    it('never reuses a label, even the highest one after its image is deleted', async () => {
      const { identities, images } = store.repos;
      const who = await identities.create({ name: 'L' });
      const [, second] = await images.addWithEmbeddings(who.id, [
        { image: img('a'), embedding: { modelVersion: 'v1', vector: vec(1) } },
        { image: img('b'), embedding: { modelVersion: 'v1', vector: vec(2) } },
      ]);
      expect(await images.delete(second.image.id)).toEqual([{ modelVersion: 'v1', label: 1 }]);
      const [third] = await images.addWithEmbeddings(who.id, [{ image: img('c'), embedding: { modelVersion: 'v1', vector: vec(3) } }]);
      expect(third.embedding?.label).toBe(2);
      expect(await images.delete(second.image.id)).toBeNull();
    });

    it('concurrent enrollments get disjoint labels and all survive', async () => {
      const { identities, images, embeddings } = store.repos;
      const people = await Promise.all([0, 1, 2, 3, 4, 5].map((i) => identities.create({ name: `c${i}` })));
      const results = await Promise.all(
        people.map((p, i) =>
          images.addWithEmbeddings(p.id, [
            { image: img(`${i}a`), embedding: { modelVersion: 'v1', vector: vec(i, 0) } },
            { image: img(`${i}b`), embedding: { modelVersion: 'v1', vector: vec(i, 1) } },
          ]),
        ),
      );
      const labels = results
        .flat()
        .map((r) => r.embedding!.label)
        .sort((a, b) => a - b);
      expect(labels).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]);
      expect(await embeddings.count('v1')).toBe(12);
    });

    it("a failing transaction never takes a concurrent caller's write down with it", async () => {
      const { identities, images } = store.repos;
      const who = await identities.create({ name: 'tx' });
      const bad = { ...img('bad'), mimeType: undefined as unknown as string };
      const [failed, created] = await Promise.allSettled([
        images.addWithEmbeddings(who.id, [{ image: img('ok') }, { image: bad }]),
        identities.create({ name: 'bystander' }),
      ]);
      expect(failed.status).toBe('rejected');
      expect(created.status).toBe('fulfilled');
      const id = (created as PromiseFulfilledResult<{ id: string }>).value.id;
      expect((await identities.get(id))?.name).toBe('bystander');
    });

    it('re-embedding: finds images missing a version, adds vectors idempotently, skips deleted images', async () => {
      const { identities, images, embeddings } = store.repos;
      const who = await identities.create({ name: 'R' });
      const added = await images.addWithEmbeddings(who.id, [
        { image: img('r0'), embedding: { modelVersion: 'v1', vector: vec(1, 1) } },
        { image: img('r1'), embedding: { modelVersion: 'v1', vector: vec(2, 2) } },
        { image: img('r2') },
      ]);
      const ids = added.map((a) => a.image.id);
      const missing = await images.missingEmbedding('v2', 10);
      expect(missing.map((m) => m.id).sort()).toEqual([...ids].sort());
      expect(missing.find((m) => m.id === ids[0])?.bytes.toString()).toBe('r0');
      expect((await images.missingEmbedding('v1', 10)).map((m) => m.id)).toEqual([ids[2]]);
      // Paged by ascending id.
      const firstTwo = await images.missingEmbedding('v2', 2);
      const rest = await images.missingEmbedding('v2', 2, firstTwo[1].id);
      expect([...firstTwo, ...rest].map((m) => m.id)).toEqual([...ids].sort());

      await images.delete(ids[1]);
      const stored = await embeddings.addForImages('v2', [
        { imageId: ids[0], vector: vec(9, 9, 9) },
        { imageId: ids[1], vector: vec(8, 8, 8) },
        { imageId: ids[2], vector: vec(7, 7, 7) },
      ]);
      expect(stored).toEqual([
        { imageId: ids[0], label: 0 },
        { imageId: ids[2], label: 1 },
      ]);
      const again = await embeddings.addForImages('v2', [{ imageId: ids[2], vector: vec(0, 0, 0) }]);
      expect(again).toEqual([{ imageId: ids[2], label: 1 }]);
      expect(Array.from((await embeddings.getVector(ids[2], 'v2'))!)).toEqual([7, 7, 7]);
      expect(await images.missingEmbedding('v2', 10)).toEqual([]);
      expect(await embeddings.countsByModelVersion()).toEqual([
        { modelVersion: 'v1', count: 1 },
        { modelVersion: 'v2', count: 2 },
      ]);
      const chunks: string[][] = [];
      for await (const chunk of images.iterateWithBytes(1)) chunks.push(chunk.map((c) => c.bytes.toString()));
      expect(chunks.flat().sort()).toEqual(['r0', 'r2']);
    });

    it('serves an index rebuild: labels, owners, vectors by label, ordered chunks', async () => {
      const { identities, images, embeddings } = store.repos;
      const a = await identities.create({ name: 'A' });
      const b = await identities.create({ name: 'B' });
      const ea = await images.addWithEmbeddings(
        a.id,
        [0, 1, 2].map((i) => ({ image: img(`a${i}`), embedding: { modelVersion: 'v1', vector: vec(i, 10) } })),
      );
      const eb = await images.addWithEmbeddings(
        b.id,
        [0, 1].map((i) => ({ image: img(`b${i}`), embedding: { modelVersion: 'v1', vector: vec(i, 20) } })),
      );
      await images.addWithEmbeddings(b.id, [{ image: img('other'), embedding: { modelVersion: 'v0', vector: vec(5, 5) } }]);

      expect(await embeddings.allLabels('v1')).toEqual([0, 1, 2, 3, 4]);
      const owners = await embeddings.ownersOfLabels('v1', [4, 0, 99]);
      expect(owners.sort((x, y) => x.label - y.label)).toEqual([
        { label: 0, imageId: ea[0].image.id, identityId: a.id },
        { label: 4, imageId: eb[1].image.id, identityId: b.id },
      ]);
      const byLabel = await embeddings.vectorsByLabels('v1', [3, 1]);
      expect(byLabel.map((v) => [v.label, Array.from(v.vector)]).sort()).toEqual([
        [1, [1, 10]],
        [3, [0, 20]],
      ]);
      const chunks = [];
      for await (const chunk of embeddings.iterate('v1', 2)) chunks.push(chunk.map((c) => c.label));
      expect(chunks).toEqual([[0, 1], [2, 3], [4]]);
      const page = await embeddings.page('v1', 3, 10);
      expect(page.map((p) => [p.label, p.identityId, Array.from(p.vector)])).toEqual([[4, b.id, [1, 20]]]);
      expect(await embeddings.count('v0')).toBe(1);
      expect(await embeddings.deleteModelVersion('v1')).toBe(5);
      expect(await embeddings.count('v1')).toBe(0);
      expect(await embeddings.nextLabel('v1')).toBe(5); // kept: labels stay unique if v1 is embedded again
    });
  });

  describe('right to erasure', () => {
    it('deleting an identity removes its images, vectors of every version and pairs from the database', async () => {
      const { identities, images, embeddings, labelledPairs } = store.repos;
      const gone = await identities.create({ name: 'Erase me' });
      const kept = await identities.create({ name: 'Keep me' });
      const [g0, g1] = await images.addWithEmbeddings(gone.id, [
        { image: img('g0'), embedding: { modelVersion: 'v1', vector: vec(1, 0) } },
        { image: img('g1'), embedding: { modelVersion: 'v1', vector: vec(0, 1) } },
      ]);
      await embeddings.addForImages('v2', [{ imageId: g0.image.id, vector: vec(5, 5, 5) }]);
      const [k0] = await images.addWithEmbeddings(kept.id, [{ image: img('k0'), embedding: { modelVersion: 'v1', vector: vec(1, 1) } }]);
      await labelledPairs.create({ a: { imageId: g0.image.id }, b: { imageId: k0.image.id }, same: false, source: 'admin' });
      await labelledPairs.create({ a: { bytes: bytesOf('query') }, b: { imageId: g1.image.id }, same: true, source: 'correction' });
      const unrelated = await labelledPairs.create({
        a: { imageId: k0.image.id },
        b: { bytes: bytesOf('q2') },
        same: true,
        source: 'admin',
      });

      const refs = await identities.delete(gone.id);
      expect(refs?.sort((x, y) => x.modelVersion.localeCompare(y.modelVersion) || x.label - y.label)).toEqual([
        { modelVersion: 'v1', label: 0 },
        { modelVersion: 'v1', label: 1 },
        { modelVersion: 'v2', label: 0 },
      ]);
      expect(await identities.get(gone.id)).toBeNull();
      expect(await identities.delete(gone.id)).toBeNull();
      // Checked with raw SQL on the tables, not only through the repositories.
      expect(await rawCount('Identity')).toBe(1);
      expect(await rawCount('EnrolledImage')).toBe(1);
      expect(await rawCount('Embedding')).toBe(1);
      expect(await rawCount('LabelledPair')).toBe(1);
      expect((await labelledPairs.get(unrelated.id))?.id).toBe(unrelated.id);
      expect(await images.getBytes(g0.image.id)).toBeNull();
    });
  });

  describe('labelled pairs', () => {
    it('stores enrolled refs or uploaded bytes and yields both sides as bytes for training', async () => {
      const { identities, images, labelledPairs } = store.repos;
      const who = await identities.create({ name: 'P' });
      const [e] = await images.addWithEmbeddings(who.id, [{ image: img('enrolled') }]);
      const p1 = await labelledPairs.create({
        a: { imageId: e.image.id },
        b: { bytes: bytesOf('uploaded') },
        same: false,
        weight: 3,
        source: 'correction',
        note: 'wrong match on 2026-11-28',
      });
      expect(p1).toMatchObject({
        imageAId: e.image.id,
        imageASha256: sha(bytesOf('enrolled')),
        imageBId: null,
        imageBSha256: sha(bytesOf('uploaded')),
        same: false,
        weight: 3,
        source: 'correction',
        note: 'wrong match on 2026-11-28',
      });
      const p2 = await labelledPairs.create({ a: { bytes: bytesOf('x') }, b: { bytes: bytesOf('y') }, same: true, source: 'admin' });
      expect(p2).toMatchObject({ weight: 1, note: null });
      expect(await labelledPairs.get(p1.id)).toEqual(p1);
      expect(await labelledPairs.count()).toBe(2);

      const all = [];
      for await (const chunk of labelledPairs.iterateWithBytes(1)) all.push(...chunk);
      const byId = new Map(all.map((p) => [p.id, p]));
      expect(byId.get(p1.id)?.imageABytes.toString()).toBe('enrolled');
      expect(byId.get(p1.id)?.imageBBytes.toString()).toBe('uploaded');
      expect(byId.get(p2.id)?.imageABytes.toString()).toBe('x');

      const page1 = await labelledPairs.list({ first: 1 });
      const page2 = await labelledPairs.list({ first: 1, after: page1.endCursor });
      expect([page1.items[0].id, page2.items[0].id].sort()).toEqual([p1.id, p2.id].sort());
      expect(page2.hasNextPage).toBe(false);
      expect(await labelledPairs.delete(p2.id)).toBe(true);
      expect(await labelledPairs.delete(p2.id)).toBe(false);
    });

    it("negativesOf: an identity's labelled negatives, newest first, each the other side of its pair", async () => {
      const { identities, images, labelledPairs } = store.repos;
      const x = await identities.create({ name: 'X' });
      const y = await identities.create({ name: 'Y' });
      const [x0, x1] = await images.addWithEmbeddings(x.id, [{ image: img('x0') }, { image: img('x1') }]);
      const [y0] = await images.addWithEmbeddings(y.id, [{ image: img('y0') }]);
      // Distinct creation times, so that "newest first" has one answer on both databases.
      const pause = () => new Promise((r) => setTimeout(r, 15));
      const make = async (a: object, b: object, same: boolean, identityIds?: string[]) => {
        await pause();
        return (await labelledPairs.create({ a, b, same, source: 'admin', identityIds } as never)).id;
      };
      const p1 = await make({ imageId: x0.image.id }, { bytes: bytesOf('forgery 1') }, false);
      const p2 = await make({ bytes: bytesOf('forgery 2') }, { imageId: x1.image.id }, false);
      const p3 = await make({ imageId: x0.image.id }, { imageId: y0.image.id }, false);
      await make({ imageId: x0.image.id }, { imageId: x1.image.id }, false); // two of X's own: a contradiction
      await make({ imageId: x0.image.id }, { bytes: bytesOf('genuine') }, true); // same: not a negative
      await make({ bytes: bytesOf('h') }, { bytes: bytesOf('i') }, false, [x.id]); // uploads tagged with X
      const p7 = await make({ imageId: y0.image.id }, { bytes: bytesOf('forgery of Y') }, false);

      const xs = await labelledPairs.negativesOf(x.id, 10);
      expect(xs.map((n) => n.pairId)).toEqual([p3, p2, p1]);
      expect(xs[0]).toMatchObject({ imageId: y0.image.id, bytes: null });
      expect(Buffer.from(xs[1].bytes!).toString()).toBe('forgery 2');
      expect(xs[1].imageId).toBeNull();
      expect(Buffer.from(xs[2].bytes!).toString()).toBe('forgery 1');
      expect((await labelledPairs.negativesOf(x.id, 2)).map((n) => n.pairId)).toEqual([p3, p2]);
      expect(await labelledPairs.negativesOf(x.id, 0)).toEqual([]);

      const ys = await labelledPairs.negativesOf(y.id, 10);
      expect(ys.map((n) => n.pairId)).toEqual([p7, p3]);
      expect(Buffer.from(ys[0].bytes!).toString()).toBe('forgery of Y');
      expect(ys[1]).toMatchObject({ imageId: x0.image.id, bytes: null });

      // Deleting the pair, or the image it was labelled against, takes the negative away.
      await labelledPairs.delete(p3);
      expect((await labelledPairs.negativesOf(x.id, 10)).map((n) => n.pairId)).toEqual([p2, p1]);
      await images.delete(x1.image.id);
      expect((await labelledPairs.negativesOf(x.id, 10)).map((n) => n.pairId)).toEqual([p1]);
    });

    it('refuses unknown images, bad weights and sources', async () => {
      const { labelledPairs } = store.repos;
      const one = { bytes: bytesOf('z') };
      expect(await codeOf(labelledPairs.create({ a: { imageId: 'nope' }, b: one, same: true, source: 'admin' }))).toBe(ErrorCode.NOT_FOUND);
      expect(await codeOf(labelledPairs.create({ a: one, b: one, same: true, source: 'admin', weight: 0 }))).toBe(ErrorCode.BAD_USER_INPUT);
      expect(await codeOf(labelledPairs.create({ a: one, b: one, same: true, source: 'admin', weight: Infinity }))).toBe(
        ErrorCode.BAD_USER_INPUT,
      );
      expect(await codeOf(labelledPairs.create({ a: one, b: one, same: true, source: 'robot' as never }))).toBe(ErrorCode.BAD_USER_INPUT);
      expect(await labelledPairs.count()).toBe(0);
    });
  });

  describe('model versions', () => {
    const card = {
      metric: 'cosine',
      thresholds: { eer: 0.42 },
      roc: [
        [0, 0],
        [1, 1],
      ],
    };
    const v = (version: string, fingerprint = `fp-${version}`) => ({
      version,
      dir: `/models/${version}`,
      fingerprint,
      metric: 'cosine',
      card,
    });

    it('registers idempotently, activates exactly one, rolls back', async () => {
      const { modelVersions } = store.repos;
      expect(await modelVersions.getActive()).toBeNull();
      const a = await modelVersions.register(v('a'), { activate: true });
      expect(a).toMatchObject({ version: 'a', active: true, card });
      expect(a.activatedAt).toBeInstanceOf(Date);
      expect(await modelVersions.register(v('a'))).toMatchObject({ version: 'a', active: true });
      expect(await codeOf(modelVersions.register(v('a', 'other')))).toBe(ErrorCode.CONFLICT);
      expect((await modelVersions.register({ ...v('a'), dir: '/moved/a' })).dir).toBe('/moved/a');

      await modelVersions.register(v('b'));
      expect((await modelVersions.getActive())?.version).toBe('a');
      await modelVersions.activate('b');
      expect((await modelVersions.list()).filter((m) => m.active).map((m) => m.version)).toEqual(['b']);
      await modelVersions.activate('a');
      expect((await modelVersions.list()).filter((m) => m.active).map((m) => m.version)).toEqual(['a']);
      expect(await codeOf(modelVersions.activate('zzz'))).toBe(ErrorCode.NOT_FOUND);
      expect(await codeOf(modelVersions.delete('a'))).toBe(ErrorCode.CONFLICT);
      expect(await modelVersions.delete('b')).toBe(true);
      expect(await modelVersions.delete('b')).toBe(false);
      expect((await modelVersions.list()).map((m) => m.version)).toEqual(['a']);
    });
  });

  describe('training runs', () => {
    it('allows one active run at a time, enforced by the database', async () => {
      const { trainingRuns } = store.repos;
      const results = await Promise.allSettled([1, 2, 3].map((i) => trainingRuns.create({ options: { steps: i } })));
      const ok = results.filter((r) => r.status === 'fulfilled') as Array<PromiseFulfilledResult<{ id: string }>>;
      expect(ok.length).toBe(1);
      for (const r of results.filter((x) => x.status === 'rejected') as PromiseRejectedResult[]) {
        expect(r.reason.code).toBe(ErrorCode.TRAINING_IN_PROGRESS);
        expect(r.reason.details.runId).toBe(ok[0].value.id);
      }
      expect((await trainingRuns.findActive())?.id).toBe(ok[0].value.id);
      await trainingRuns.transition(ok[0].value.id, 'CANCELLED');
      expect(await trainingRuns.findActive()).toBeNull();
      const next = await trainingRuns.create({ options: { steps: 9 } });
      expect(next.status).toBe('QUEUED');
    });

    it('walks the state machine with progress, metrics and a single winner per race', async () => {
      const { trainingRuns } = store.repos;
      const run = await trainingRuns.create({ options: { steps: 10, loss: 'contrastive' }, baseModelVersion: 'a' });
      expect(run).toMatchObject({ status: 'QUEUED', options: { steps: 10, loss: 'contrastive' }, baseModelVersion: 'a', progress: null });
      const running = await trainingRuns.transition(run.id, 'RUNNING', { from: ['QUEUED'] });
      expect(running?.startedAt).toBeInstanceOf(Date);
      expect(await trainingRuns.update(run.id, { progress: { step: 3, total: 10, loss: 0.25 } })).toBe(true);
      const mid = await trainingRuns.get(run.id);
      expect(mid?.progress).toEqual({ step: 3, total: 10, loss: 0.25 });
      expect(mid?.heartbeatAt).toBeInstanceOf(Date);
      await trainingRuns.transition(run.id, 'EVALUATING', { from: ['RUNNING'] });
      await trainingRuns.transition(run.id, 'REINDEXING', {
        from: ['EVALUATING'],
        patch: { metrics: { old: { eer: 0.2 }, new: { eer: 0.1 } }, newModelVersion: 'b' },
      });
      // A cancel racing the success: exactly one wins.
      const [success, cancel] = await Promise.all([
        trainingRuns.transition(run.id, 'SUCCEEDED', { from: ['REINDEXING'] }),
        trainingRuns.transition(run.id, 'CANCELLED'),
      ]);
      expect([success, cancel].filter((r) => r !== null).length).toBe(1);
      const done = await trainingRuns.get(run.id);
      expect(['SUCCEEDED', 'CANCELLED']).toContain(done?.status);
      expect(done).toMatchObject({ metrics: { old: { eer: 0.2 }, new: { eer: 0.1 } }, newModelVersion: 'b' });
      expect(done?.finishedAt).toBeInstanceOf(Date);
      // Final is final.
      expect(await trainingRuns.transition(run.id, 'FAILED')).toBeNull();
      expect(await trainingRuns.update(run.id, { progress: { step: 11 } })).toBe(false);
      expect(await codeOf(trainingRuns.transition(run.id, 'RUNNING', { from: ['SUCCEEDED'] }))).toBe(ErrorCode.BAD_USER_INPUT);
      expect(await trainingRuns.transition('missing', 'FAILED')).toBeNull();
    });

    it('marks runs interrupted by a restart as FAILED with the reason, and lists newest first', async () => {
      const { trainingRuns } = store.repos;
      const old = await trainingRuns.create({ options: {} });
      await trainingRuns.transition(old.id, 'FAILED', { patch: { error: 'boom' } });
      const live = await trainingRuns.create({ options: {} });
      await trainingRuns.transition(live.id, 'RUNNING');
      expect(await trainingRuns.failInterrupted('server restarted during the run')).toEqual([live.id]);
      expect(await trainingRuns.get(live.id)).toMatchObject({ status: 'FAILED', error: 'server restarted during the run' });
      expect(await trainingRuns.failInterrupted('again')).toEqual([]);
      const page1 = await trainingRuns.list({ first: 1 });
      const page2 = await trainingRuns.list({ first: 5, after: page1.endCursor });
      const order = [...page1.items, ...page2.items];
      expect(order.map((r) => r.id).sort()).toEqual([old.id, live.id].sort());
      expect(order[0].createdAt.getTime()).toBeGreaterThanOrEqual(order[1].createdAt.getTime());
      expect(page2.hasNextPage).toBe(false);
    });
  });
}

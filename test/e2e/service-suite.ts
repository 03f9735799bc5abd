import * as fs from 'fs';
import * as path from 'path';
import type { RunningServer } from '../../src/main';
import type { EmbedderPort } from '../../src/services';
import type { ModelCard } from '../../src/embedding/model-card';
import { syntheticImage } from '../fixtures/synthetic-images';
import { codes, gql, gqlMultipart } from './http-client';
import { startTestServer, tempDir } from './harness';

/**
 * The end-to-end scenario of issue 3, over real HTTP, shared by the SQLite
 * and PostgreSQL runs: enroll (multipart, base64, imageId) → search → verify →
 * delete → search again; restart persistence; strangers; admin auth.
 */
export interface SuiteSetup {
  /** Returns a database URL for a fresh database (undefined: SQLite in the data dir). */
  /** A fresh database per test (async: the PgBouncer suite starts a pooler for each schema). */
  databaseUrl(): string | undefined | Promise<string | undefined>;
  cleanup?(url: string | undefined): Promise<void>;
  /**
   * The model the server runs: a model directory (loaded by the server like
   * `siamese serve` does) or an injected embedder.
   */
  model(): Promise<{ modelDir?: string; embedder?: EmbedderPort; card: ModelCard }>;
  /** Extra server environment (e.g. SIAMESE_INDEX=pgvector). */
  env?: Record<string, string>;
  /**
   * The index lives in the database (SIAMESE_INDEX=pgvector): the data dir must hold no index
   * files, and the scenarios that tamper with saved index files do not apply.
   */
  sharedIndex?: boolean;
}

const TOKEN = 'e2e-admin-token-0123456789';
/**
 * This scenario reads names, hashes and imageIds like an application with role read would; since
 * issue 13 anonymous callers get search answers without them (test/server/access-model.e2e.test.ts).
 */
const READER = { token: TOKEN };

const ENROLL = `mutation($id: ID!, $images: [ImageInput!]!) { enrollImages(identityId: $id, images: $images) { id identityId width height mimeType sha256 byteSize } }`;
const CREATE = `mutation($name: String!, $metadata: JSONObject) { createIdentity(name: $name, metadata: $metadata) { id name metadata imageCount } }`;
const SEARCH = `query($image: ImageInput!, $k: Int) { searchSimilar(image: $image, k: $k) { identity { id name imageCount } imageId distance similarity match threshold } }`;
const VERIFY = `query($a: ImageInput!, $b: ImageInput!, $t: Float) { verify(a: $a, b: $b, threshold: $t) { match distance similarity threshold metric modelVersion } }`;

const b64 = (b: Buffer) => b.toString('base64');

/** Files under `<dataDir>/index` (hnswlib files, sidecars), [] when the folder does not exist. */
export function indexFiles(dataDir: string): string[] {
  const dir = path.join(dataDir, 'index');
  return fs.existsSync(dir) ? fs.readdirSync(dir, { recursive: true }).map(String) : [];
}

export function defineServiceSuite(title: string, setup: SuiteSetup): void {
  describe(title, () => {
    let dataDir: string;
    let dbUrl: string | undefined;
    let model: { modelDir?: string; embedder?: EmbedderPort; card: ModelCard };
    let server: RunningServer | undefined;

    const start = async (opts: { token?: string } = { token: TOKEN }) => {
      server = await startTestServer({
        dataDir,
        adminToken: opts.token,
        databaseUrl: dbUrl,
        embedder: model.embedder,
        modelDir: model.modelDir,
        env: setup.env,
      });
      return server;
    };

    beforeAll(async () => {
      model = await setup.model();
    });

    beforeEach(async () => {
      dataDir = tempDir('siamese-e2e-');
      dbUrl = await setup.databaseUrl();
    });

    afterEach(async () => {
      await server?.close();
      server = undefined;
      await setup.cleanup?.(dbUrl);
      fs.rmSync(dataDir, { recursive: true, force: true });
    });

    it('enrolls by upload, base64 and imageId; searches, verifies, deletes for good', async () => {
      const { url } = await start();
      const img = async (id: number, shot: number) => syntheticImage(id, shot);

      const alice = (await gql(url, CREATE, { name: 'alice', metadata: { team: 'a' } }, { token: TOKEN })).data!.createIdentity;
      const bob = (await gql(url, CREATE, { name: 'bob' }, { token: TOKEN })).data!.createIdentity;
      expect(alice).toMatchObject({ name: 'alice', metadata: { team: 'a' }, imageCount: 0 });

      // alice: two files over the multipart spec
      const up = await gqlMultipart(
        url,
        ENROLL,
        { id: alice.id, images: [{ upload: null }, { upload: null }] },
        [
          { path: 'variables.images.0.upload', bytes: await img(1, 0) },
          { path: 'variables.images.1.upload', bytes: await img(1, 1) },
        ],
        { token: TOKEN },
      );
      expect(up.errors).toBeUndefined();
      expect(up.data.enrollImages).toHaveLength(2);
      expect(up.data.enrollImages[0]).toMatchObject({ identityId: alice.id, width: 64, height: 64, mimeType: 'image/png' });

      // bob: base64
      const bobImg = await img(2, 0);
      const bb = await gql(url, ENROLL, { id: bob.id, images: [{ base64: b64(bobImg) }] }, { token: TOKEN });
      expect(bb.errors).toBeUndefined();
      const bobImageId = bb.data.enrollImages[0].id;
      expect(bb.data.enrollImages[0].byteSize).toBe(bobImg.length);

      // carol: enrolled from bob's stored image by imageId, then given her own image too
      const carol = (await gql(url, CREATE, { name: 'carol' }, { token: TOKEN })).data!.createIdentity;
      const cc = await gql(url, ENROLL, { id: carol.id, images: [{ base64: b64(await img(3, 0)) }] }, { token: TOKEN });
      expect(cc.errors).toBeUndefined();

      // search with an unseen shot of alice, sent as an upload
      const s1 = await gqlMultipart(
        url,
        SEARCH,
        { image: { upload: null }, k: 5 },
        [{ path: 'variables.image.upload', bytes: await img(1, 7) }],
        READER,
      );
      expect(s1.errors).toBeUndefined();
      const matches = s1.data.searchSimilar as Array<{
        identity: { id: string; name: string; imageCount: number };
        distance: number;
        match: boolean;
        threshold: number;
      }>;
      expect(matches.map((m) => m.identity.name)).toEqual(['alice', ...matches.slice(1).map((m) => m.identity.name)]);
      expect(new Set(matches.map((m) => m.identity.id)).size).toBe(matches.length); // one entry per identity
      expect(matches[0]).toMatchObject({ match: true, identity: { imageCount: 2 } });
      expect(matches.slice(1).every((m) => !m.match)).toBe(true);
      for (let i = 1; i < matches.length; i++) expect(matches[i].distance).toBeGreaterThanOrEqual(matches[i - 1].distance);
      // The 1:N threshold is exposed, one value per answer, never looser than the 1:1 default. The tiny
      // card's ROC has FAR 0 up to its default, so the open-set rule lands on the default there.
      expect(new Set(matches.map((m) => m.threshold)).size).toBe(1);
      expect(matches[0].threshold).toBeLessThanOrEqual(model.card.thresholds.default);
      expect(matches[0].threshold).toBeCloseTo(model.card.thresholds.default, 10);
      for (const m of matches) expect(m.match).toBe(m.distance <= m.threshold);

      // verify: same identity (base64 vs stored imageId), different identities
      const v1 = await gql(url, VERIFY, { a: { base64: b64(await img(2, 5)) }, b: { imageId: bobImageId } }, READER);
      expect(v1.errors).toBeUndefined();
      expect(v1.data.verify).toMatchObject({ match: true, metric: model.card.metric, modelVersion: model.card.version });
      expect(v1.data.verify.threshold).toBeCloseTo(model.card.thresholds.default, 10);
      const v2 = await gql(url, VERIFY, { a: { base64: b64(await img(1, 3)) }, b: { imageId: bobImageId } }, READER);
      expect(v2.data.verify.match).toBe(false);
      // an explicit threshold overrides the calibrated one
      const v3 = await gql(
        url,
        VERIFY,
        { a: { base64: b64(await img(1, 3)) }, b: { imageId: bobImageId }, t: v2.data.verify.distance + 1e-6 },
        READER,
      );
      expect(v3.data.verify).toMatchObject({ match: true });

      // erase alice: gone from search, identity and imageId lookups
      const del = await gql(url, `mutation($id: ID!) { deleteIdentity(id: $id) }`, { id: alice.id }, { token: TOKEN });
      expect(del.data).toEqual({ deleteIdentity: true });
      const s2 = await gql(url, SEARCH, { image: { base64: b64(await img(1, 7)) }, k: 5 }, READER);
      expect(s2.errors).toBeUndefined();
      expect(s2.data.searchSimilar.map((m: { identity: { id: string } }) => m.identity.id)).not.toContain(alice.id);
      expect(s2.data.searchSimilar.every((m: { match: boolean }) => !m.match)).toBe(true);
      expect(codes(await gql(url, `query($id: ID!) { identity(id: $id) { id } }`, { id: alice.id }, READER))).toEqual(['NOT_FOUND']);
      const aliceImage = up.data.enrollImages[0].id;
      expect(codes(await gql(url, VERIFY, { a: { imageId: aliceImage }, b: { imageId: bobImageId } }, READER))).toEqual(['NOT_FOUND']);
      const idx = server!.internals.active.current.index;
      expect(idx.size).toBe(2); // bob + carol

      // delete one image
      const di = await gql(url, `mutation($id: ID!) { deleteImage(id: $id) }`, { id: bobImageId }, { token: TOKEN });
      expect(di.data).toEqual({ deleteImage: true });
      expect(idx.size).toBe(1);
      expect(codes(await gql(url, `mutation($id: ID!) { deleteImage(id: $id) }`, { id: bobImageId }, { token: TOKEN }))).toEqual([
        'NOT_FOUND',
      ]);

      // identities connection
      const page = await gql(
        url,
        `{ identities(first: 1) { totalCount edges { cursor node { name } } pageInfo { hasNextPage endCursor } } }`,
        {},
        READER,
      );
      expect(page.data.identities).toMatchObject({ totalCount: 2, edges: [{ node: { name: 'bob' } }], pageInfo: { hasNextPage: true } });
      const page2 = await gql(
        url,
        `query($a: String) { identities(first: 5, after: $a) { edges { node { name } } pageInfo { hasNextPage } } }`,
        {
          a: page.data.identities.pageInfo.endCursor,
        },
        READER,
      );
      expect(page2.data.identities).toEqual({ edges: [{ node: { name: 'carol' } }], pageInfo: { hasNextPage: false } });
    });

    it('keeps enrollments across a restart on the same data dir', async () => {
      let { url } = await start();
      const dave = (await gql(url, CREATE, { name: 'dave' }, { token: TOKEN })).data!.createIdentity;
      const e = await gql(url, ENROLL, { id: dave.id, images: [{ base64: b64(await syntheticImage(4, 0)) }] }, { token: TOKEN });
      expect(e.errors).toBeUndefined();
      await server!.close();
      server = undefined;

      ({ url } = await start());
      expect(server!.internals.indexOrigin).toBe('loaded');
      expect(server!.internals.active.current.index.size).toBe(1);
      const s = await gql(url, SEARCH, { image: { base64: b64(await syntheticImage(4, 9)) }, k: 3 }, READER);
      expect(s.data.searchSimilar).toEqual([expect.objectContaining({ identity: expect.objectContaining({ id: dave.id }), match: true })]);
      if (setup.sharedIndex)
        expect(indexFiles(dataDir)).toEqual([]); // the database holds it all
      else expect(fs.readdirSync(path.join(dataDir, 'index')).some((f) => f.endsWith('.index.json'))).toBe(true);
    });

    // Saved index files: none with a shared index (test/e2e/service.pgvector.test.ts covers its repair).
    const itFiles = setup.sharedIndex ? it.skip : it;

    itFiles('rebuilds a missing index from the database at start', async () => {
      let { url } = await start();
      const erin = (await gql(url, CREATE, { name: 'erin' }, { token: TOKEN })).data!.createIdentity;
      await gql(url, ENROLL, { id: erin.id, images: [{ base64: b64(await syntheticImage(5, 0)) }] }, { token: TOKEN });
      await server!.close();
      server = undefined;
      fs.rmSync(path.join(dataDir, 'index'), { recursive: true, force: true });

      ({ url } = await start());
      expect(server!.internals.indexOrigin).toBe('rebuilt');
      const s = await gql(url, SEARCH, { image: { base64: b64(await syntheticImage(5, 2)) }, k: 1 }, READER);
      expect(s.data.searchSimilar[0]).toMatchObject({ identity: { id: erin.id }, match: true });
    });

    itFiles('reconciles a stale index (committed rows the saved index lacks, vectors of deleted rows) at start', async () => {
      let { url } = await start();
      const ids: string[] = [];
      for (const n of [6, 7]) {
        const id = (await gql(url, CREATE, { name: `q${n}` }, { token: TOKEN })).data!.createIdentity.id;
        await gql(url, ENROLL, { id, images: [{ base64: b64(await syntheticImage(n, 0)) }] }, { token: TOKEN });
        ids.push(id);
      }
      await server!.close();
      server = undefined;
      // Keep the index as it was, as if the process had died before later saves.
      const indexDir = path.join(dataDir, 'index');
      const saved = path.join(dataDir, 'index-saved');
      fs.cpSync(indexDir, saved, { recursive: true });

      ({ url } = await start());
      const late = (await gql(url, CREATE, { name: 'late' }, { token: TOKEN })).data!.createIdentity.id;
      await gql(url, ENROLL, { id: late, images: [{ base64: b64(await syntheticImage(8, 0)) }] }, { token: TOKEN });
      await gql(url, `mutation($id: ID!) { deleteIdentity(id: $id) }`, { id: ids[0] }, { token: TOKEN });
      await server!.close();
      server = undefined;
      fs.rmSync(indexDir, { recursive: true, force: true });
      fs.renameSync(saved, indexDir);

      ({ url } = await start());
      expect(server!.internals.indexOrigin).toBe('repaired');
      expect(server!.internals.active.current.index.size).toBe(2);
      const found = await gql(url, SEARCH, { image: { base64: b64(await syntheticImage(8, 3)) }, k: 5 }, READER);
      expect(found.data.searchSimilar[0]).toMatchObject({ identity: { id: late }, match: true });
      const gone = await gql(url, SEARCH, { image: { base64: b64(await syntheticImage(6, 3)) }, k: 5 }, READER);
      expect(gone.data.searchSimilar.map((m: { identity: { id: string } }) => m.identity.id)).not.toContain(ids[0]);
    });

    it('keeps the index equal to the database under concurrent enrollments and searches', async () => {
      const { url } = await start();
      const people = [1, 2, 3, 4, 5, 6];
      const probe = b64(await syntheticImage(1, 9));
      const results = await Promise.all([
        ...people.map(async (n) => {
          const id = (await gql(url, CREATE, { name: `c${n}` }, { token: TOKEN })).data!.createIdentity.id;
          const r = await gql(
            url,
            ENROLL,
            { id, images: [{ base64: b64(await syntheticImage(n, 0)) }, { base64: b64(await syntheticImage(n, 1)) }] },
            { token: TOKEN },
          );
          return r.errors;
        }),
        ...people.map(async () => (await gql(url, SEARCH, { image: { base64: probe }, k: 3 }, READER)).errors),
      ]);
      expect(results.filter((e) => e !== undefined)).toEqual([]);
      const { store, active } = server!.internals;
      const labels = await store.allLabels(active.current.version);
      expect(labels).toHaveLength(12);
      expect(new Set(labels).size).toBe(12);
      expect([...(await active.current.index.labels())].sort((a, b) => a - b)).toEqual([...labels].sort((a, b) => a - b));
      for (const n of people) {
        const s = await gql(url, SEARCH, { image: { base64: b64(await syntheticImage(n, 5)) }, k: 1 }, READER);
        expect(s.data.searchSimilar[0]).toMatchObject({ identity: { name: `c${n}` }, match: true });
      }
    });

    it('gives a stranger no match', async () => {
      const { url } = await start();
      for (const n of [10, 11, 12]) {
        const id = (await gql(url, CREATE, { name: `p${n}` }, { token: TOKEN })).data!.createIdentity.id;
        await gql(
          url,
          ENROLL,
          { id, images: [{ base64: b64(await syntheticImage(n, 0)) }, { base64: b64(await syntheticImage(n, 1)) }] },
          { token: TOKEN },
        );
      }
      const s = await gql(url, SEARCH, { image: { base64: b64(await syntheticImage(99, 0)) }, k: 5 }, READER);
      expect(s.errors).toBeUndefined();
      expect(s.data.searchSimilar).toHaveLength(3);
      expect(s.data.searchSimilar.every((m: { match: boolean }) => m.match === false)).toBe(true);
    });

    it('refuses admin mutations without, or with a wrong, token', async () => {
      const { url } = await start();
      expect(codes(await gql(url, CREATE, { name: 'x' }))).toEqual(['UNAUTHENTICATED']);
      expect(codes(await gql(url, CREATE, { name: 'x' }, { token: 'wrong' }))).toEqual(['UNAUTHENTICATED']);
      const ok = await gql(url, CREATE, { name: 'x' }, { token: TOKEN });
      expect(ok.errors).toBeUndefined();
      expect(codes(await gql(url, `mutation($id: ID!) { deleteIdentity(id: $id) }`, { id: ok.data.createIdentity.id }))).toEqual([
        'UNAUTHENTICATED',
      ]);
      const list = await gql(url, `{ identities(first: 5) { totalCount } }`, {}, READER);
      expect(list.data.identities.totalCount).toBe(1);
    });

    it('refuses admin mutations with ADMIN_DISABLED when no token is configured', async () => {
      const { url } = await start({ token: undefined });
      const r = await gql(url, CREATE, { name: 'x' }, { token: 'anything' });
      expect(codes(r)).toEqual(['ADMIN_DISABLED']);
      expect(r.errors![0].message).toMatch(/SIAMESE_ADMIN_TOKEN/);
    });
  });
}

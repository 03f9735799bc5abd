import * as fs from 'fs';
import type { RunningServer } from '../../src/main';
import { cosineDistance } from '../../src/metric/metric';
import type { EmbedderPort } from '../../src/services';
import { pixelEmbedder } from '../fixtures/pixel-embedder';
import { syntheticImage } from '../fixtures/synthetic-images';
import { gql } from './http-client';
import { startTestServer, tempDir } from './harness';

/**
 * Issue 5 over real HTTP: searchSimilar's `match` uses the open-set (1:N)
 * threshold, verify keeps the card's 1:1 default. The model is the pixel
 * embedder with a hand-made card built around distances it measures here:
 *
 *   gallery: identity A = synthetic 1 shots 0, 1; identity B = synthetic 2 shot 0  → N = 3 images
 *   genuine probe: synthetic 1 shot 5, nearest gallery distance dG
 *   stranger:      synthetic 99 shot 0, nearest gallery distance dS  (dG < dS)
 *   T = (dG + dS) / 2,  default (1:1) D = dS + 0.05
 *   ROC: (0, FAR 0), (T, FAR 0.05), (2, FAR 1)
 *   α = 1 − 0.95³ = 0.142625  →  Šidák f = 1 − (1 − α)^(1/3) = 0.05  →  1:N threshold = T exactly.
 * So the stranger is under the 1:1 threshold (verify: match) but over the 1:N one (search: no match).
 */
const TOKEN = 'open-set-admin-token-0123456789';
const CREATE = `mutation($name: String!) { createIdentity(name: $name) { id } }`;
const ENROLL = `mutation($id: ID!, $images: [ImageInput!]!) { enrollImages(identityId: $id, images: $images) { id } }`;
const SEARCH = `query($image: ImageInput!, $k: Int) { searchSimilar(image: $image, k: $k) { identity { name } imageId distance match threshold } }`;
const VERIFY = `query($a: ImageInput!, $b: ImageInput!) { verify(a: $a, b: $b) { match distance threshold } }`;
const ALPHA = String(1 - 0.95 ** 3);

const b64 = async (id: number, shot: number) => ({ base64: (await syntheticImage(id, shot)).toString('base64') });

describe('open-set threshold of searchSimilar (issue 5)', () => {
  let base: EmbedderPort;
  let dG: number;
  let dS: number;
  let T: number;
  let D: number;
  let embedder: EmbedderPort;

  beforeAll(async () => {
    base = pixelEmbedder();
    const [a0, a1, b0, probe, stranger] = await base.embedImages(
      await Promise.all([syntheticImage(1, 0), syntheticImage(1, 1), syntheticImage(2, 0), syntheticImage(1, 5), syntheticImage(99, 0)]),
    );
    const nearest = (q: Float32Array) => Math.min(...[a0, a1, b0].map((g) => cosineDistance(q, g)));
    dG = nearest(probe);
    dS = nearest(stranger);
    T = (dG + dS) / 2;
    D = dS + 0.05;
    const card = {
      ...base.card,
      version: 'open-set-test',
      fingerprint: 'open-set-test-fingerprint',
      thresholds: { ...base.card.thresholds, eer: D, default: D },
      roc: [
        { threshold: 0, far: 0, tar: 0 },
        { threshold: T, far: 0.05, tar: 0.9 },
        { threshold: 2, far: 1, tar: 1 },
      ],
      validation: { ...base.card.validation, negativePairs: 100, positivePairs: 10 },
    };
    embedder = { card, embedImages: (imgs, limits) => base.embedImages(imgs, limits) };
  });

  const withServer = async (env: Record<string, string>, fn: (url: string) => Promise<void>) => {
    const dataDir = tempDir('siamese-open-set-');
    let server: RunningServer | undefined;
    try {
      server = await startTestServer({ dataDir, adminToken: TOKEN, embedder, env });
      const url = server.url;
      const a = (await gql(url, CREATE, { name: 'A' }, { token: TOKEN })).data!.createIdentity.id;
      const b = (await gql(url, CREATE, { name: 'B' }, { token: TOKEN })).data!.createIdentity.id;
      expect((await gql(url, ENROLL, { id: a, images: [await b64(1, 0), await b64(1, 1)] }, { token: TOKEN })).errors).toBeUndefined();
      expect((await gql(url, ENROLL, { id: b, images: [await b64(2, 0)] }, { token: TOKEN })).errors).toBeUndefined();
      expect(server.internals.active.current.index.size).toBe(3);
      await fn(url);
    } finally {
      await server?.close();
      fs.rmSync(dataDir, { recursive: true, force: true });
    }
  };

  it('sets up a stranger between the 1:N and 1:1 thresholds', () => {
    expect(dG).toBeLessThan(dS);
    expect(T).toBeLessThan(dS);
    expect(T).toBeGreaterThan(dG);
  });

  it('says no match to that stranger in search, match in verify; the genuine probe still matches', async () => {
    await withServer({ SIAMESE_OPEN_SET_FAR: ALPHA }, async (url) => {
      const s = await gql(url, SEARCH, { image: await b64(99, 0), k: 5 }, { token: TOKEN });
      expect(s.errors).toBeUndefined();
      const hits = s.data.searchSimilar as Array<{ imageId: string; distance: number; match: boolean; threshold: number }>;
      expect(hits).toHaveLength(2);
      expect(hits[0].distance).toBeCloseTo(dS, 5);
      expect(hits.every((h) => h.match === false)).toBe(true);
      for (const h of hits) expect(h.threshold).toBeCloseTo(T, 6);

      // The same pair (stranger vs its nearest enrolled image) under verify's 1:1 default.
      const v = await gql(url, VERIFY, { a: await b64(99, 0), b: { imageId: hits[0].imageId } }, { token: TOKEN });
      expect(v.errors).toBeUndefined();
      expect(v.data.verify).toMatchObject({ match: true, threshold: D });
      expect(v.data.verify.distance).toBeCloseTo(dS, 5);

      const g = await gql(url, SEARCH, { image: await b64(1, 5), k: 2 }, { token: TOKEN });
      expect(g.data.searchSimilar[0]).toMatchObject({ identity: { name: 'A' }, match: true });
      expect(g.data.searchSimilar[0].threshold).toBeCloseTo(T, 6);
    });
  });

  it('falls back to the 1:1 default when SIAMESE_OPEN_SET_FAR=off', async () => {
    await withServer({ SIAMESE_OPEN_SET_FAR: 'off' }, async (url) => {
      const s = await gql(url, SEARCH, { image: await b64(99, 0), k: 1 }, { token: TOKEN });
      expect(s.errors).toBeUndefined();
      expect(s.data.searchSimilar).toEqual([expect.objectContaining({ match: true, threshold: D })]);
    });
  });
});

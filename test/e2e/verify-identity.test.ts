import * as fs from 'fs';
import type { RunningServer } from '../../src/main';
import type { ReferenceThreshold } from '../../src/embedding/model-card';
import { centroid, cosineDistance } from '../../src/metric/metric';
import type { EmbedderPort } from '../../src/services';
import { planReferences } from '../../src/services';
import { pixelEmbedder } from '../fixtures/pixel-embedder';
import { syntheticImage } from '../fixtures/synthetic-images';
import { codes, gql } from './http-client';
import { startTestServer, tempDir } from './harness';

/**
 * verifyIdentity over real HTTP (issue 17: a signature is checked against several enrolled references).
 * The model is the pixel embedder (cosine) with hand-made reference thresholds; the expected distances
 * are computed here from the same embedder:
 *   A: synthetic 1 shots 0, 1, 2 (enrolled in that order)   B: synthetic 2 shot 0   C: no image
 *   card references: R = 2 at threshold T2 (3 enrolled → CENTROID of the oldest 2); none for 1 (SINGLE).
 */
const TOKEN = 'verify-identity-admin-token-0123456789';
const CREATE = `mutation($name: String!) { createIdentity(name: $name) { id } }`;
const ENROLL = `mutation($id: ID!, $images: [ImageInput!]!) { enrollImages(identityId: $id, images: $images) { id } }`;
const VERIFY_IDENTITY = `query($id: ID!, $image: ImageInput!, $threshold: Float) {
  verifyIdentity(identityId: $id, image: $image, threshold: $threshold) {
    identityId match distance threshold rule referenceImageIds referenceSpread enrolledImages calibration { references threshold far frr } modelVersion
  } }`;
const VERIFY_IDENTITY_SPREAD = `query($id: ID!, $image: ImageInput!, $threshold: Float) {
  verifyIdentity(identityId: $id, image: $image, threshold: $threshold) {
    match distance threshold rule referenceImageIds referenceSpread calibration { references threshold }
  } }`;
const VERIFY = `query($a: ImageInput!, $b: ImageInput!) { verify(a: $a, b: $b) { match distance threshold } }`;
const MODEL = `{ model { thresholds { default references { references threshold auc eer far frr } } } }`;

const b64 = async (id: number, shot: number) => ({ base64: (await syntheticImage(id, shot)).toString('base64') });

const R2: ReferenceThreshold = {
  references: 2,
  threshold: 0,
  auc: 0.99,
  eer: 0.02,
  far: 0.01,
  frr: 0.05,
  positivePairs: 40,
  negativePairs: 60,
};

describe('verifyIdentity: several enrolled references (issue 17)', () => {
  let base: EmbedderPort;
  let dCentroid: number;
  let dNearest: number;
  // The leave-one-out spread of A's two oldest references: each one's distance to the other (the centroid of one).
  let spreadA01: number;
  const withServer = async (
    references: ReferenceThreshold[] | undefined,
    fn: (url: string, ids: Record<string, string>) => Promise<void>,
    referenceShift?: number,
  ) => {
    const card = {
      ...base.card,
      version: 'verify-identity-test',
      fingerprint: 'verify-identity-fp',
      thresholds: { ...base.card.thresholds, references, ...(referenceShift !== undefined ? { referenceShift } : {}) },
    };
    const embedder: EmbedderPort = { card, embedImages: (imgs, limits) => base.embedImages(imgs, limits) };
    const dataDir = tempDir('siamese-verify-identity-');
    let server: RunningServer | undefined;
    try {
      server = await startTestServer({ dataDir, adminToken: TOKEN, embedder });
      const url = server.url;
      const ids: Record<string, string> = {};
      for (const name of ['A', 'B', 'C']) ids[name] = (await gql(url, CREATE, { name }, { token: TOKEN })).data!.createIdentity.id;
      for (const shot of [0, 1, 2]) {
        const r = await gql(url, ENROLL, { id: ids.A, images: [await b64(1, shot)] }, { token: TOKEN });
        expect(r.errors).toBeUndefined();
        ids[`A${shot}`] = r.data!.enrollImages[0].id;
      }
      expect((await gql(url, ENROLL, { id: ids.B, images: [await b64(2, 0)] }, { token: TOKEN })).errors).toBeUndefined();
      await fn(url, ids);
    } finally {
      await server?.close();
      fs.rmSync(dataDir, { recursive: true, force: true });
    }
  };

  beforeAll(async () => {
    base = pixelEmbedder();
    const [a0, a1, a2, probe] = await base.embedImages(
      await Promise.all([syntheticImage(1, 0), syntheticImage(1, 1), syntheticImage(1, 2), syntheticImage(1, 5)]),
    );
    dCentroid = cosineDistance(probe, centroid([a0, a1]));
    dNearest = Math.min(...[a0, a1, a2].map((a) => cosineDistance(probe, a)));
    spreadA01 = cosineDistance(a0, a1);
    // The R = 2 threshold sits just above the probe's centroid distance: a match by the card's rule.
    R2.threshold = dCentroid + 0.01;
  });

  it('plans the rule from the enrolled count and the calibrated R', () => {
    const t = {
      default: 0.3,
      references: [
        { ...R2, references: 2, threshold: 0.2 },
        { ...R2, references: 5, threshold: 0.15 },
      ],
    };
    expect(planReferences(t, 1)).toMatchObject({ rule: 'SINGLE', use: 1, threshold: 0.3 });
    expect(planReferences(t, 4)).toMatchObject({ rule: 'CENTROID', use: 2, threshold: 0.2 });
    expect(planReferences(t, 9)).toMatchObject({ rule: 'CENTROID', use: 5, threshold: 0.15 });
    expect(planReferences({ default: 0.3 }, 4)).toMatchObject({ rule: 'NEAREST', use: 4, threshold: 0.3, calibration: null });
    expect(planReferences({ default: 0.3, references: [{ ...R2, references: 5 }] }, 3)).toMatchObject({ rule: 'NEAREST', use: 3 });
    // SIAMESE_MAX_IMAGES_PER_CALL bounds what one call embeds: 9 enrolled, room for 4 references.
    expect(planReferences(t, 9, 4)).toMatchObject({ rule: 'CENTROID', use: 2 });
    expect(planReferences({ default: 0.3 }, 9, 4)).toMatchObject({ rule: 'NEAREST', use: 4 });
    expect(planReferences(t, 9, 1)).toMatchObject({ rule: 'SINGLE', use: 1 });
  });

  it("compares with the centroid of the oldest R references at the card's threshold for R", async () => {
    await withServer([R2], async (url, ids) => {
      const r = await gql(url, VERIFY_IDENTITY, { id: ids.A, image: await b64(1, 5) }, { token: TOKEN });
      expect(r.errors).toBeUndefined();
      const v = r.data.verifyIdentity;
      expect(v).toMatchObject({ identityId: ids.A, match: true, rule: 'CENTROID', enrolledImages: 3, referenceImageIds: [ids.A0, ids.A1] });
      // A card without β reads no spread.
      expect(v.referenceSpread).toBeNull();
      expect(v.distance).toBeCloseTo(dCentroid, 5);
      expect(v.threshold).toBeCloseTo(R2.threshold, 9);
      expect(v.calibration).toMatchObject({ references: 2, far: R2.far, frr: R2.frr });
      // A given threshold replaces the calibrated one for the same distance.
      const strict = await gql(url, VERIFY_IDENTITY, { id: ids.A, image: await b64(1, 5), threshold: dCentroid / 2 }, { token: TOKEN });
      expect(strict.data.verifyIdentity).toMatchObject({ match: false, threshold: dCentroid / 2, rule: 'CENTROID' });
      // The model query shows the calibration.
      const m = await gql(url, MODEL, {}, { token: TOKEN });
      expect(m.data.model.thresholds.references).toEqual([
        { references: 2, threshold: R2.threshold, auc: R2.auc, eer: R2.eer, far: R2.far, frr: R2.frr },
      ]);
    });
  });

  it("SPREAD: where the card sets β, the threshold for R moves by β times the references' own spread", async () => {
    // t_R a quarter spread below the probe's distance: CENTROID would refuse it, t_R + ½·s = d + ¼·s accepts it.
    const tR = dCentroid - 0.25 * spreadA01;
    expect(spreadA01).toBeGreaterThan(0);
    expect(tR).toBeGreaterThan(0);
    await withServer(
      [{ ...R2, threshold: tR }],
      async (url, ids) => {
        const r = await gql(url, VERIFY_IDENTITY_SPREAD, { id: ids.A, image: await b64(1, 5) }, { token: TOKEN });
        expect(r.errors).toBeUndefined();
        const v = r.data.verifyIdentity;
        expect(v).toMatchObject({ match: true, rule: 'SPREAD', referenceImageIds: [ids.A0, ids.A1] });
        expect(v.distance).toBeCloseTo(dCentroid, 5);
        expect(v.referenceSpread).toBeCloseTo(spreadA01, 5);
        expect(v.threshold).toBeCloseTo(tR + 0.5 * spreadA01, 5);
        expect(v.calibration.threshold).toBeCloseTo(tR, 9);
        // A given threshold still decides by itself.
        const given = await gql(url, VERIFY_IDENTITY_SPREAD, { id: ids.A, image: await b64(1, 5), threshold: tR }, { token: TOKEN });
        expect(given.data.verifyIdentity).toMatchObject({ match: false, threshold: tR });
        // One reference is verify's question: no spread to read.
        const single = await gql(url, VERIFY_IDENTITY_SPREAD, { id: ids.B, image: await b64(2, 1) }, { token: TOKEN });
        expect(single.data.verifyIdentity).toMatchObject({ rule: 'SINGLE', referenceSpread: null });
        const m = await gql(url, `{ model { thresholds { referenceShift } } }`, {}, { token: TOKEN });
        expect(m.data.model.thresholds.referenceShift).toBe(0.5);
      },
      0.5,
    );
  });

  it('answers one reference as verify does, and NEAREST when the card has no calibration', async () => {
    await withServer(undefined, async (url, ids) => {
      const single = await gql(url, VERIFY_IDENTITY, { id: ids.B, image: await b64(1, 5) }, { token: TOKEN });
      const pair = await gql(url, VERIFY, { a: await b64(1, 5), b: await b64(2, 0) }, { token: TOKEN });
      expect(single.data.verifyIdentity).toMatchObject({
        rule: 'SINGLE',
        calibration: null,
        enrolledImages: 1,
        match: pair.data.verify.match,
      });
      expect(single.data.verifyIdentity.distance).toBeCloseTo(pair.data.verify.distance, 6);
      expect(single.data.verifyIdentity.threshold).toBe(pair.data.verify.threshold);

      const nearest = await gql(url, VERIFY_IDENTITY, { id: ids.A, image: await b64(1, 5) }, { token: TOKEN });
      expect(nearest.data.verifyIdentity).toMatchObject({ rule: 'NEAREST', referenceImageIds: [ids.A0, ids.A1, ids.A2] });
      expect(nearest.data.verifyIdentity.distance).toBeCloseTo(dNearest, 5);
      expect((await gql(url, MODEL, {}, { token: TOKEN })).data.model.thresholds.references).toEqual([]);
    });
  });

  it('refuses an unknown identity, one without images, and a bad threshold, with codes', async () => {
    await withServer([R2], async (url, ids) => {
      const image = await b64(1, 5);
      expect(codes(await gql(url, VERIFY_IDENTITY, { id: 'no-such-identity', image }, { token: TOKEN }))).toEqual(['NOT_FOUND']);
      const empty = await gql(url, VERIFY_IDENTITY, { id: ids.C, image }, { token: TOKEN });
      expect(codes(empty)).toEqual(['BAD_USER_INPUT']);
      expect(empty.errors![0].message).toMatch(/no enrolled images/);
      expect(codes(await gql(url, VERIFY_IDENTITY, { id: ids.A, image, threshold: -1 }, { token: TOKEN }))).toEqual(['BAD_USER_INPUT']);
      // Role read, like an imageId input: an anonymous caller (role search) may not probe an enrolled identity.
      expect(codes(await gql(url, VERIFY_IDENTITY, { id: ids.A, image }))).toEqual(['UNAUTHENTICATED']);
      expect(codes(await gql(url, VERIFY_IDENTITY, { id: ids.A, image: { base64: 'bm90IGFuIGltYWdl' } }, { token: TOKEN }))).toEqual([
        'INVALID_IMAGE',
      ]);
    });
  });
});

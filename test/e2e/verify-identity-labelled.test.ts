import * as fs from 'fs';
import type { RunningServer } from '../../src/main';
import type { LabelledThreshold, ReferenceThreshold } from '../../src/embedding/model-card';
import { DomainError, ErrorCode } from '../../src/errors';
import { centroid, cosineDistance } from '../../src/metric/metric';
import type { EmbedderPort } from '../../src/services';
import { planLabelled } from '../../src/services';
import { pixelEmbedder } from '../fixtures/pixel-embedder';
import { syntheticImage } from '../fixtures/synthetic-images';
import { codes, gql } from './http-client';
import { startTestServer, tempDir } from './harness';

/**
 * verifyIdentity's rule LABELLED over real HTTP (issue 17, session 28): negatives labelled against an
 * identity set its own threshold ½·(s + f) + offset(R, K). The model is the pixel embedder (cosine) with
 * hand-made calibrations; expected values are computed here from the same embedder:
 *   A: synthetic 1 shots 0, 1, 2 (R = 2: the oldest two are the references)   B: synthetic 2 shot 0
 *   s = the references' leave-one-out spread: with two, each one's distance to the other, d(a0, a1)
 *   f = the mean distance to c = centroid(a0, a1) of the K newest labelled negatives
 * Card: R = 2 at threshold T2; labelled (R 2, K 1) offset O1 and (R 2, K 2) offset O2.
 */
const TOKEN = 'verify-identity-labelled-admin-token-0123';
const CREATE = `mutation($name: String!) { createIdentity(name: $name) { id } }`;
const ENROLL = `mutation($id: ID!, $images: [ImageInput!]!) { enrollImages(identityId: $id, images: $images) { id } }`;
const LABEL = `mutation($a: ImageInput!, $b: ImageInput!, $same: Boolean!) { labelPair(a: $a, b: $b, same: $same) { id } }`;
const UNLABEL = `mutation($id: ID!) { deleteLabelledPair(id: $id) }`;
const VERIFY_IDENTITY = `query($id: ID!, $image: ImageInput!, $threshold: Float) {
  verifyIdentity(identityId: $id, image: $image, threshold: $threshold) {
    match distance threshold rule referenceImageIds labelledPairIds
    calibration { references } labelledCalibration { references labelled offset auc eer far frr }
  } }`;
const MODEL = `{ model { thresholds { labelled { references labelled offset auc eer far frr } } } }`;

const b64 = async (id: number, shot: number) => ({ base64: (await syntheticImage(id, shot)).toString('base64') });
const rates = { auc: 0.98, eer: 0.04, far: 0.02, frr: 0.12, positivePairs: 60, negativePairs: 220 };
const R2: ReferenceThreshold = { references: 2, threshold: 0.5, ...rates };
const K1: LabelledThreshold = { references: 2, labelled: 1, offset: -0.01, ...rates };
// R2.threshold and K1.offset are set in beforeAll from the embedder's distances.
const K2: LabelledThreshold = { references: 2, labelled: 2, offset: 0.5, ...rates };
/** What the queries select of a calibration (the API does not serve the pair counts). */
const shown = ({ positivePairs, negativePairs, ...rest }: LabelledThreshold) => rest;

describe('verifyIdentity: thresholds from labelled negatives (issue 17, rule LABELLED)', () => {
  let base: EmbedderPort;
  let vec: (id: number, shot: number) => Promise<Float32Array>;
  /** Bytes the embedder refuses from now on, and with which code (INVALID_IMAGE: a later model cannot read it). */
  const refused = new Map<string, ErrorCode>();
  const withServer = async (
    labelled: LabelledThreshold[] | undefined,
    fn: (url: string, ids: Record<string, string>) => Promise<void>,
    env: Record<string, string> = { SIAMESE_LABELLED_RULE: 'capped' },
    referenceShift?: number,
  ) => {
    const card = {
      ...base.card,
      version: 'verify-identity-labelled-test',
      fingerprint: 'verify-identity-labelled-fp',
      thresholds: { ...base.card.thresholds, references: [R2], labelled, ...(referenceShift !== undefined ? { referenceShift } : {}) },
    };
    const embedder: EmbedderPort = {
      card,
      embedImages: (imgs, limits) => {
        const code = imgs.map((b) => refused.get(Buffer.from(b).toString('base64'))).find((c) => c !== undefined);
        if (code) return Promise.reject(new DomainError(code, 'refused by the test embedder'));
        return base.embedImages(imgs, limits);
      },
    };
    const dataDir = tempDir('siamese-verify-labelled-');
    let server: RunningServer | undefined;
    try {
      server = await startTestServer({ dataDir, adminToken: TOKEN, embedder, env });
      const ids: Record<string, string> = {};
      for (const name of ['A', 'B']) ids[name] = (await gql(server.url, CREATE, { name }, { token: TOKEN })).data!.createIdentity.id;
      for (const shot of [0, 1, 2])
        ids[`A${shot}`] = (
          await gql(server.url, ENROLL, { id: ids.A, images: [await b64(1, shot)] }, { token: TOKEN })
        ).data!.enrollImages[0].id;
      ids.B0 = (await gql(server.url, ENROLL, { id: ids.B, images: [await b64(2, 0)] }, { token: TOKEN })).data!.enrollImages[0].id;
      await fn(server.url, ids);
    } finally {
      await server?.close();
      fs.rmSync(dataDir, { recursive: true, force: true });
    }
  };
  const label = async (url: string, a: object, b: object, same = false) => {
    const r = await gql(url, LABEL, { a, b, same }, { token: TOKEN });
    expect(r.errors).toBeUndefined();
    return r.data!.labelPair.id as string;
  };

  beforeAll(async () => {
    base = pixelEmbedder();
    vec = async (id, shot) => (await base.embedImages([await syntheticImage(id, shot)]))[0];
    // Set so that the card's R = 2 threshold accepts a second image of the labelled forger (synthetic 3
    // shot 2) and A's own threshold from that one labelled negative (synthetic 3 shot 0) refuses it.
    const c = centroid([await vec(1, 0), await vec(1, 1)]);
    const dForger = cosineDistance(await vec(3, 2), c);
    const midpoint = 0.5 * (cosineDistance(await vec(1, 0), await vec(1, 1)) + cosineDistance(await vec(3, 0), c));
    R2.threshold = dForger + 0.01;
    K1.offset = dForger - 0.01 - midpoint;
  });

  it("picks the most labelled negatives the card calibrated for the identity's R", () => {
    const t = { labelled: [K1, K2, { ...K1, references: 5, labelled: 3 }] };
    expect(planLabelled(t, 2, 0)).toBeNull();
    expect(planLabelled(t, 2, 1)).toBe(K1);
    expect(planLabelled(t, 2, 7)).toBe(K2);
    expect(planLabelled(t, 5, 2)).toBeNull();
    expect(planLabelled(t, 5, 3)?.labelled).toBe(3);
    expect(planLabelled({}, 2, 9)).toBeNull();
  });

  it('reads the newest K negatives labelled against the identity, and returns to CENTROID without them', async () => {
    const [a0, a1] = [await vec(1, 0), await vec(1, 1)];
    const c = centroid([a0, a1]);
    const s = cosineDistance(a0, a1);
    const probe = await vec(1, 5);
    const uploaded = await vec(3, 0);
    const other = await vec(2, 0);
    /** ½·(s + f) + offset, before the cap at the card's R threshold. */
    const uncapped = (negatives: Float32Array[], offset: number) =>
      0.5 * (s + negatives.reduce((sum, n) => sum + cosineDistance(n, c), 0) / negatives.length) + offset;
    await withServer([K1, K2], async (url, ids) => {
      const ask = async (threshold?: number) => {
        const r = await gql(url, VERIFY_IDENTITY, { id: ids.A, image: await b64(1, 5), threshold }, { token: TOKEN });
        expect(r.errors).toBeUndefined();
        return r.data!.verifyIdentity;
      };
      const before = await ask();
      const forgerBefore = await gql(url, VERIFY_IDENTITY, { id: ids.A, image: await b64(3, 2) }, { token: TOKEN });
      expect(forgerBefore.data!.verifyIdentity).toMatchObject({ rule: 'CENTROID', match: true });
      expect(before).toMatchObject({ rule: 'CENTROID', threshold: R2.threshold, labelledPairIds: [], labelledCalibration: null });
      expect(before.distance).toBeCloseTo(cosineDistance(probe, c), 5);

      // A "same" label and a label against someone else change nothing for A.
      await label(url, { imageId: ids.A0 }, await b64(1, 6), true);
      await label(url, { imageId: ids.B0 }, await b64(3, 1));
      expect((await ask()).rule).toBe('CENTROID');

      // One uploaded forgery labelled against A's third image (any of A's images counts): K = 1.
      const p1 = await label(url, await b64(3, 0), { imageId: ids.A2 });
      const one = await ask();
      expect(one).toMatchObject({
        rule: 'LABELLED',
        labelledPairIds: [p1],
        calibration: { references: 2 },
        labelledCalibration: shown(K1),
      });
      expect(uncapped([uploaded], K1.offset)).toBeLessThan(R2.threshold);
      expect(one.threshold).toBeCloseTo(uncapped([uploaded], K1.offset), 5);
      expect(one.distance).toBeCloseTo(before.distance, 9);
      expect(one.match).toBe(one.distance <= one.threshold);
      // The same forger's next attempt: accepted at the card's threshold for R, refused at A's own.
      const forger = await gql(url, VERIFY_IDENTITY, { id: ids.A, image: await b64(3, 2) }, { token: TOKEN });
      expect(forger.data!.verifyIdentity).toMatchObject({ rule: 'LABELLED', match: false });
      expect(forger.data!.verifyIdentity.threshold).toBeCloseTo(R2.threshold - 0.02, 5);

      // Someone else's enrolled image labelled as not A: K = 2, newest first. K2's large offset would put A's own
      // threshold above the card's: a "not A" label never loosens A, so the card's threshold for R applies.
      const p2 = await label(url, { imageId: ids.A0 }, { imageId: ids.B0 });
      const two = await ask();
      expect(two).toMatchObject({ rule: 'LABELLED', labelledPairIds: [p2, p1], labelledCalibration: shown(K2) });
      expect(uncapped([other, uploaded], K2.offset)).toBeGreaterThan(R2.threshold);
      expect(two.threshold).toBe(R2.threshold);

      // A given threshold decides by itself (the labels are not read); erasing the labels takes the identity back
      // to the card's R threshold.
      expect(before.distance).toBeGreaterThan(0);
      expect(await ask(before.distance / 2)).toMatchObject({
        rule: 'CENTROID',
        threshold: before.distance / 2,
        match: false,
        labelledPairIds: [],
      });
      for (const id of [p1, p2]) expect((await gql(url, UNLABEL, { id }, { token: TOKEN })).data!.deleteLabelledPair).toBe(true);
      expect(await ask()).toMatchObject({ rule: 'CENTROID', threshold: R2.threshold, labelledPairIds: [] });

      const m = await gql(url, MODEL, {}, { token: TOKEN });
      expect(m.data!.model.thresholds.labelled).toEqual([K1, K2].map(shown));
    });
  });

  it("under rule SPREAD (card β = ½) the cap is the identity's t_R + ½·s, not the card's t_R", async () => {
    const c = centroid([await vec(1, 0), await vec(1, 1)]);
    const s = cosineDistance(await vec(1, 0), await vec(1, 1));
    const midpoint = 0.5 * (s + cosineDistance(await vec(3, 0), c));
    expect(s).toBeGreaterThan(0);
    // Own threshold t_R + ¼·s: below SPREAD's cap t_R + ½·s, so it serves (CENTROID's cap t_R would bind).
    const quarter = { ...K1, offset: R2.threshold + 0.25 * s - midpoint };
    // Own threshold t_R + s: above the cap, so the cap t_R + ½·s serves.
    const whole = { ...K1, offset: R2.threshold + s - midpoint };
    for (const [entry, expected] of [
      [quarter, R2.threshold + 0.25 * s],
      [whole, R2.threshold + 0.5 * s],
    ] as const) {
      await withServer(
        [entry],
        async (url, ids) => {
          const plain = (await gql(url, VERIFY_IDENTITY, { id: ids.A, image: await b64(1, 5) }, { token: TOKEN })).data!.verifyIdentity;
          expect(plain).toMatchObject({ rule: 'SPREAD' });
          expect(plain.threshold).toBeCloseTo(R2.threshold + 0.5 * s, 5);
          await label(url, { imageId: ids.A0 }, await b64(3, 0));
          const v = (await gql(url, VERIFY_IDENTITY, { id: ids.A, image: await b64(1, 5) }, { token: TOKEN })).data!.verifyIdentity;
          expect(v).toMatchObject({ rule: 'LABELLED' });
          expect(v.threshold).toBeCloseTo(expected, 5);
        },
        { SIAMESE_LABELLED_RULE: 'capped' },
        0.5,
      );
    }
  });

  it("SIAMESE_LABELLED_RULE: midpoint serves the identity's own threshold without the cap, off ignores the labels", async () => {
    const c = centroid([await vec(1, 0), await vec(1, 1)]);
    const s = cosineDistance(await vec(1, 0), await vec(1, 1));
    const midpoint = 0.5 * (s + cosineDistance(await vec(3, 0), c));
    const loose = { ...K1, offset: R2.threshold - midpoint + 0.05 };
    const ask = async (url: string, id: string) =>
      (await gql(url, VERIFY_IDENTITY, { id, image: await b64(1, 5) }, { token: TOKEN })).data!.verifyIdentity;
    await withServer(
      [loose],
      async (url, ids) => {
        await label(url, { imageId: ids.A0 }, await b64(3, 0));
        const v = await ask(url, ids.A);
        expect(v).toMatchObject({ rule: 'LABELLED', labelledCalibration: { offset: loose.offset } });
        expect(v.threshold).toBeCloseTo(R2.threshold + 0.05, 5);
      },
      { SIAMESE_LABELLED_RULE: 'midpoint' },
    );
    await withServer(
      [loose],
      async (url, ids) => {
        await label(url, { imageId: ids.A0 }, await b64(3, 0));
        expect(await ask(url, ids.A)).toMatchObject({ rule: 'CENTROID', threshold: R2.threshold, labelledPairIds: [] });
      },
      { SIAMESE_LABELLED_RULE: 'off' },
    );
  });

  it('answers by CENTROID when the serving model cannot read a labelled negative, and fails when the server is busy', async () => {
    await withServer([K1], async (url, ids) => {
      const negative = await b64(3, 4);
      await label(url, { imageId: ids.A0 }, negative);
      try {
        refused.set(negative.base64, ErrorCode.INVALID_IMAGE);
        const r = await gql(url, VERIFY_IDENTITY, { id: ids.A, image: await b64(1, 5) }, { token: TOKEN });
        expect(r.errors).toBeUndefined();
        expect(r.data!.verifyIdentity).toMatchObject({ rule: 'CENTROID', threshold: R2.threshold, labelledPairIds: [] });
        // Busy is not "unreadable": answering by the card's looser threshold would undo the label under load.
        refused.set(negative.base64, ErrorCode.SERVER_BUSY);
        expect(codes(await gql(url, VERIFY_IDENTITY, { id: ids.A, image: await b64(1, 5) }, { token: TOKEN }))).toEqual(['SERVER_BUSY']);
      } finally {
        refused.clear();
      }
    });
  });

  it('is off unless SIAMESE_LABELLED_RULE turns it on (the default its RULE.md chose)', async () => {
    await withServer(
      [K1],
      async (url, ids) => {
        await label(url, { imageId: ids.A0 }, await b64(3, 0));
        const r = await gql(url, VERIFY_IDENTITY, { id: ids.A, image: await b64(1, 5) }, { token: TOKEN });
        expect(r.data!.verifyIdentity).toMatchObject({ rule: 'CENTROID', threshold: R2.threshold, labelledPairIds: [] });
      },
      {},
    );
  });

  it('keeps CENTROID when the card has no labelled calibration, and checks the caller may read', async () => {
    await withServer(undefined, async (url, ids) => {
      await label(url, { imageId: ids.A0 }, await b64(3, 0));
      const r = await gql(url, VERIFY_IDENTITY, { id: ids.A, image: await b64(1, 5) }, { token: TOKEN });
      expect(r.data!.verifyIdentity).toMatchObject({
        rule: 'CENTROID',
        threshold: R2.threshold,
        labelledPairIds: [],
        labelledCalibration: null,
      });
      expect((await gql(url, MODEL, {}, { token: TOKEN })).data!.model.thresholds.labelled).toEqual([]);
      expect(codes(await gql(url, VERIFY_IDENTITY, { id: ids.A, image: await b64(1, 5) }))).toEqual(['UNAUTHENTICATED']);
    });
  });
});

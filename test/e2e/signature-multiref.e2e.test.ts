import * as fs from 'fs';
import * as path from 'path';
import type { RunningServer } from '../../src/main';
import { spreadThreshold } from '../../src/metric/spread-threshold';
import {
  CEDAR_DATASET,
  MULTIREF_SIGNATURE_MODEL_DIR,
  ROOT,
  SHIPPED_SIGNATURE_MODEL_DIR,
} from '../training/fixtures/shipped-signature-model';
import { gql } from './http-client';
import { startTestServer, tempDir } from './harness';

/**
 * Rule MULTIREF's opt-in signature card (session 48) served over real HTTP, as a service that enrols three or more
 * references would run it (SIAMESE_MODEL=signature-fast256x160-cedar-multiref): verify and verifyIdentity answer at
 * the card's moved thresholds, the ones the card's record says were moved by the offsets in
 * nearest-writers/multiref-thresholds.json. Writer 05 is one of the 6 validation writers: never trained on.
 * Distances come from the served model; only the card and the offsets file are read.
 */
const TOKEN = 'signature-multiref-admin-token-0123456789';
const WRITER = '05';
const CREATE = `mutation($name: String!) { createIdentity(name: $name) { id } }`;
const ENROLL = `mutation($id: ID!, $images: [ImageInput!]!) { enrollImages(identityId: $id, images: $images) { id } }`;
const VERIFY_IDENTITY = `query($id: ID!, $image: ImageInput!) {
  verifyIdentity(identityId: $id, image: $image) { match distance threshold rule referenceSpread calibration { references threshold } } }`;
const VERIFY = `query($a: ImageInput!, $b: ImageInput!) { verify(a: $a, b: $b) { match distance threshold } }`;

const scan = (kind: 'genuine' | 'forged', shot: number) => {
  const n = Number(WRITER);
  const file = kind === 'genuine' ? `original_${n}_${shot}.png` : `forgeries_${n}_${shot}.png`;
  return { base64: fs.readFileSync(path.join(CEDAR_DATASET, WRITER, kind, file)).toString('base64') };
};

interface Offsets {
  byReferences: { references: number; delta: number }[];
}

describe('the multi-reference signature card over HTTP (rule MULTIREF)', () => {
  jest.setTimeout(240_000);
  const card = JSON.parse(fs.readFileSync(path.join(MULTIREF_SIGNATURE_MODEL_DIR, 'model-card.json'), 'utf8'));
  /** Runs `fn` against a fresh server of `modelDir` (wasm, its own data directory), closed afterwards. */
  const withServer = async (modelDir: string, env: Record<string, string>, fn: (server: RunningServer) => Promise<void>) => {
    const dataDir = tempDir('siamese-multiref-');
    let server: RunningServer | undefined;
    try {
      server = await startTestServer({ dataDir, adminToken: TOKEN, modelDir, env: { SIAMESE_BACKEND: 'wasm', ...env } });
      await fn(server);
    } finally {
      await server?.close();
      fs.rmSync(dataDir, { recursive: true, force: true });
    }
  };

  it("carries the rule's offsets, recorded once", () => {
    const offsets = JSON.parse(
      fs.readFileSync(path.join(ROOT, 'docs/experiments/signatures/nearest-writers/multiref-thresholds.json'), 'utf8'),
    ) as Offsets;
    const record = card.evaluations['cedar-writer-multiref-thresholds'];
    expect(record.command).toMatch(/nearest-writers\/ship\.sh/);
    expect(
      Object.keys(record.deltas)
        .map(Number)
        .sort((a, b) => a - b),
    ).toEqual([1, 2, 3, 5, 10]);
    for (const { references, delta } of offsets.byReferences) expect(record.deltas[String(references)]).toBe(delta);
    // each served threshold is its calibrated value moved by its offset, and stays positive
    const served = (r: number) =>
      r === 1 ? card.thresholds.default : card.thresholds.references.find((e: { references: number }) => e.references === r).threshold;
    for (const { references, delta } of offsets.byReferences) {
      expect(served(references)).toBeCloseTo(record.calibrated[String(references)] + delta, 12);
      expect(served(references)).toBeGreaterThan(0);
    }
    // the calibration the offsets were read against: 0.5 % FAR on the validation writers
    expect(card.thresholds.targetFar).toBe(0.005);
    expect(record.calibrated['1']).toBeCloseTo(card.thresholds.atTargetFar, 12);
    // SPREAD (β = ½) as the default card serves it, for the same R
    expect(card.thresholds.referenceShift).toBe(0.5);
    expect(card.thresholds.references.map((r: { references: number }) => r.references)).toEqual([2, 3, 5, 10]);
  });

  it('serves beside the default card as its companion: two references from the default, three from this card', async () => {
    const hl = JSON.parse(fs.readFileSync(path.join(SHIPPED_SIGNATURE_MODEL_DIR, 'model-card.json'), 'utf8'));
    await withServer(SHIPPED_SIGNATURE_MODEL_DIR, { SIAMESE_COMPANION_MODEL: MULTIREF_SIGNATURE_MODEL_DIR }, async (server) => {
      const url = server.url;
      const model = (await gql(url, `{ model { version companion { version fromReferences } } }`, {}, { token: TOKEN })).data!.model;
      expect(model).toEqual({ version: hl.version, companion: { version: card.version, fromReferences: 3 } });
      const id = (await gql(url, CREATE, { name: `writer ${WRITER}` }, { token: TOKEN })).data!.createIdentity.id;
      const ROUTED = `query($id: ID!, $image: ImageInput!) {
        verifyIdentity(identityId: $id, image: $image) { match distance threshold rule encoder modelVersion referenceSpread calibration { references threshold } } }`;
      const ask = async () => {
        const r = await gql(url, ROUTED, { id, image: scan('genuine', 10) }, { token: TOKEN });
        expect(r.errors).toBeUndefined();
        return r.data!.verifyIdentity;
      };
      const tOf = (c: { thresholds: { references: { references: number; threshold: number }[] } }, r: number) =>
        c.thresholds.references.find((e) => e.references === r)!.threshold;

      expect((await gql(url, ENROLL, { id, images: [1, 2].map((s) => scan('genuine', s)) }, { token: TOKEN })).errors).toBeUndefined();
      const two = await ask();
      expect(two).toMatchObject({
        encoder: 'PRIMARY',
        modelVersion: hl.version,
        rule: 'SPREAD',
        calibration: { references: 2, threshold: tOf(hl, 2) },
      });
      expect(two.threshold).toBeCloseTo(spreadThreshold(tOf(hl, 2), two.referenceSpread, hl.thresholds.referenceShift), 9);

      expect((await gql(url, ENROLL, { id, images: [scan('genuine', 3)] }, { token: TOKEN })).errors).toBeUndefined();
      const three = await ask();
      expect(three).toMatchObject({
        encoder: 'COMPANION',
        modelVersion: card.version,
        rule: 'SPREAD',
        calibration: { references: 3, threshold: tOf(card, 3) },
      });
      expect(three.threshold).toBeCloseTo(spreadThreshold(tOf(card, 3), three.referenceSpread, 0.5), 9);
      expect(three.match).toBe(three.distance <= three.threshold);
      // The companion's vectors are kept; the served index holds the default card's three only.
      expect(await server.internals.store.countEmbeddings(card.version)).toBe(3);
      expect(server.internals.active.current.index.size).toBe(3);
      // A second call reads them and answers the same.
      expect((await ask()).distance).toBeCloseTo(three.distance, 5);

      // verify stays on the default card, at its threshold.
      const one = await gql(url, VERIFY, { a: scan('genuine', 1), b: scan('genuine', 10) }, { token: TOKEN });
      expect(one.data!.verify.threshold).toBeCloseTo(hl.thresholds.default, 9);
    });
  });

  it('answers verify and verifyIdentity with three references at the served thresholds', async () => {
    await withServer(MULTIREF_SIGNATURE_MODEL_DIR, {}, async (server) => {
      const url = server.url;
      const id = (await gql(url, CREATE, { name: `writer ${WRITER}` }, { token: TOKEN })).data!.createIdentity.id;
      const enrolled = await gql(url, ENROLL, { id, images: [1, 2, 3].map((s) => scan('genuine', s)) }, { token: TOKEN });
      expect(enrolled.errors).toBeUndefined();
      const t3 = card.thresholds.references.find((r: { references: number }) => r.references === 3).threshold;
      const ask = async (image: { base64: string }) => {
        const r = await gql(url, VERIFY_IDENTITY, { id, image }, { token: TOKEN });
        expect(r.errors).toBeUndefined();
        const v = r.data!.verifyIdentity;
        expect(v).toMatchObject({ rule: 'SPREAD', calibration: { references: 3, threshold: t3 } });
        expect(v.threshold).toBeCloseTo(spreadThreshold(t3, v.referenceSpread, 0.5), 9);
        expect(v.match).toBe(v.distance <= v.threshold);
        return v.distance as number;
      };
      const genuine = [];
      for (const s of [10, 11, 12, 13, 14]) genuine.push(await ask(scan('genuine', s)));
      const forged = [];
      for (const s of [1, 2, 3, 4, 5]) forged.push(await ask(scan('forged', s)));
      // the writer's own signatures sit nearer its references than its forgeries do, on the whole
      const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
      expect(mean(genuine)).toBeLessThan(mean(forged));

      const one = await gql(url, VERIFY, { a: scan('genuine', 1), b: scan('genuine', 10) }, { token: TOKEN });
      expect(one.errors).toBeUndefined();
      expect(one.data!.verify.threshold).toBeCloseTo(card.thresholds.default, 9);
    });
  });
});

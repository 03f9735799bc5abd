import * as fs from 'fs';
import * as path from 'path';
import type { RunningServer } from '../../src/main';
import type { ReferenceThreshold } from '../../src/embedding/model-card';
import { centroid, cosineDistance, referenceSpread } from '../../src/metric/metric';
import { spreadThreshold } from '../../src/metric/spread-threshold';
import type { EmbedderPort, Logger } from '../../src/services';
import { pixelEmbedder } from '../fixtures/pixel-embedder';
import { syntheticImage } from '../fixtures/synthetic-images';
import { gql } from './http-client';
import { startFeedReplica, startTestServer, tempDir } from './harness';

/**
 * A companion encoder (SIAMESE_COMPANION_MODEL) over real HTTP, shared by the SQLite and PostgreSQL runs: verifyIdentity
 * is answered by the served model below the companion's `fromReferences` and by the companion from there on, each at
 * its own card's threshold and version; the companion's vectors are stored lazily under its version, read on the next
 * call, and erased with their image; verify and the model query stay on the served model.
 *
 * Two model-free encoders whose distances differ: the served one is the 16×16 pixel embedder, the companion the 4×4
 * one; every expected distance is computed here from the same two embedders.
 *   identity A: synthetic 1 shots 0, 1, 2, 3 (enrolled one by one), questioned with synthetic 2 shot 0 (another pattern,
 *   so that the two encoders' distances differ by more than noise).
 *   served card: R = 2 at P2 (rule CENTROID).   companion card: R = 3 at C3 and R = 5 (never reached), rule SPREAD with
 *   β = ½ (the served card has none: an answer at the served card's rule would show it), fromReferences 3.
 */
export interface CompanionSuiteSetup {
  /** A fresh database URL (undefined: SQLite in the data dir). */
  databaseUrl(): string | undefined;
  cleanup?(url: string | undefined): Promise<void>;
}

const TOKEN = 'companion-admin-token-0123456789';
const CREATE = `mutation($name: String!) { createIdentity(name: $name) { id } }`;
const ENROLL = `mutation($id: ID!, $images: [ImageInput!]!) { enrollImages(identityId: $id, images: $images) { id } }`;
const DELETE_IMAGE = `mutation($id: ID!) { deleteImage(id: $id) }`;
const VERIFY_IDENTITY = `query($id: ID!, $image: ImageInput!, $threshold: Float) {
  verifyIdentity(identityId: $id, image: $image, threshold: $threshold) {
    match distance threshold rule encoder modelVersion referenceImageIds calibration { references threshold } } }`;
const VERIFY = `query($a: ImageInput!, $b: ImageInput!) { verify(a: $a, b: $b) { distance threshold modelVersion } }`;
const MODEL = `{ model { version companion { version name fromReferences thresholds { default references { references threshold } } } } }`;

const rates = { auc: 0.99, eer: 0.02, far: 0.01, frr: 0.05, positivePairs: 40, negativePairs: 60 };
const b64 = async (id: number, shot: number) => ({ base64: (await syntheticImage(id, shot)).toString('base64') });

export function defineCompanionSuite(title: string, setup: CompanionSuiteSetup): void {
  describe(title, () => {
    jest.setTimeout(60_000);
    const servedBase = pixelEmbedder(0.2, { version: 'companion-test-served', side: 16 });
    const companionBase = pixelEmbedder(0.3, { version: 'companion-test-companion', side: 4 });
    let served: EmbedderPort;
    let companion: EmbedderPort;
    // The question's distances, by hand: to the centroid of A's oldest 2 (served) and oldest 3 (companion) shots.
    let dServed2: number;
    let dCompanion3: number;
    let spread3: number;
    let companionShots: Float32Array[];
    let companionCalls = 0;
    let P2: ReferenceThreshold;
    let C3: ReferenceThreshold;

    beforeAll(async () => {
      const shots = await Promise.all([0, 1, 2, 3].map((s) => syntheticImage(1, s)));
      const probe = await syntheticImage(2, 0);
      const s = await servedBase.embedImages([...shots, probe]);
      const c = await companionBase.embedImages([...shots, probe]);
      companionShots = c.slice(0, 4);
      dServed2 = cosineDistance(s[4], centroid(s.slice(0, 2)));
      dCompanion3 = cosineDistance(c[4], centroid(c.slice(0, 3)));
      spread3 = referenceSpread(c.slice(0, 3), 'cosine');
      // Thresholds just above the question's distance: each encoder accepts it at its own R.
      P2 = { references: 2, threshold: dServed2 + 0.01, ...rates };
      C3 = { references: 3, threshold: dCompanion3 + 0.02, ...rates };
      served = {
        card: { ...servedBase.card, thresholds: { ...servedBase.card.thresholds, references: [P2] } },
        embedImages: servedBase.embedImages,
      };
      companion = {
        card: {
          ...companionBase.card,
          thresholds: { ...companionBase.card.thresholds, references: [C3, { ...C3, references: 5, threshold: 0.1 }], referenceShift: 0.5 },
        },
        embedImages: (images, limits) => {
          companionCalls += images.length;
          return companionBase.embedImages(images, limits);
        },
      };
      // Distinct encoders, or the test could not tell them apart.
      expect(Math.abs(dServed2 - dCompanion3)).toBeGreaterThan(0.01);
    });

    it('routes by the references an identity has, stores the companion vectors on first use, and erases them with their image', async () => {
      const dataDir = tempDir('siamese-companion-');
      const dbUrl = setup.databaseUrl();
      let server: RunningServer | undefined;
      const errors: string[] = [];
      const logger: Logger = { info: () => undefined, error: (message) => void errors.push(message) };
      const calls0 = companionCalls;
      const calls = () => companionCalls - calls0;
      try {
        server = await startTestServer({
          dataDir,
          adminToken: TOKEN,
          databaseUrl: dbUrl,
          embedder: served,
          companion: { embedder: companion, fromReferences: 3, warm: false }, // the lazy path alone
          logger,
        });
        const url = server.url;
        const store = server.internals.store;
        const ask = async (id: string, threshold?: number) => {
          const r = await gql(url, VERIFY_IDENTITY, { id, image: await b64(2, 0), threshold }, { token: TOKEN });
          expect(r.errors).toBeUndefined();
          return r.data!.verifyIdentity;
        };

        // /healthz names the companion beside the served version (operators compare replicas by it).
        const health = await (await fetch(new URL('/healthz', url))).json();
        expect(health).toMatchObject({
          modelVersion: 'companion-test-served',
          companionVersion: 'companion-test-companion',
          companionFromReferences: 3,
        });
        const model = await gql(url, MODEL, {}, { token: TOKEN });
        expect(model.data!.model).toEqual({
          version: 'companion-test-served',
          companion: {
            version: 'companion-test-companion',
            name: 'pixel-test',
            fromReferences: 3,
            thresholds: {
              default: 0.3,
              references: [
                { references: 3, threshold: C3.threshold },
                { references: 5, threshold: 0.1 },
              ],
            },
          },
        });

        const id = (await gql(url, CREATE, { name: 'A' }, { token: TOKEN })).data!.createIdentity.id;
        const imageIds: string[] = [];
        for (const shot of [0, 1])
          imageIds.push((await gql(url, ENROLL, { id, images: [await b64(1, shot)] }, { token: TOKEN })).data!.enrollImages[0].id);

        // Two references: below fromReferences, the served model answers at its R = 2 threshold.
        const two = await ask(id);
        expect(two).toMatchObject({ encoder: 'PRIMARY', modelVersion: 'companion-test-served', rule: 'CENTROID', match: true });
        expect(two.calibration).toEqual({ references: 2, threshold: P2.threshold });
        expect(two.distance).toBeCloseTo(dServed2, 5);
        expect(calls()).toBe(0);
        expect(await store.countEmbeddings('companion-test-companion')).toBe(0);

        for (const shot of [2, 3])
          imageIds.push((await gql(url, ENROLL, { id, images: [await b64(1, shot)] }, { token: TOKEN })).data!.enrollImages[0].id);
        // Enrolment embeds with the served model only (SIAMESE_COMPANION_WARM off).
        expect(calls()).toBe(0);
        expect(await store.countEmbeddings('companion-test-served')).toBe(4);

        // Four references: the companion's largest calibrated R within them is 3, so it answers, by its own rule
        // (SPREAD) at its own threshold t_3 + ½·s.
        const first = await ask(id);
        expect(first).toMatchObject({ encoder: 'COMPANION', modelVersion: 'companion-test-companion', rule: 'SPREAD', match: true });
        expect(first.calibration).toEqual({ references: 3, threshold: C3.threshold });
        expect(first.threshold).toBeCloseTo(spreadThreshold(C3.threshold, spread3, 0.5), 9);
        expect(first.threshold).toBeGreaterThan(C3.threshold);
        expect(first.referenceImageIds).toEqual(imageIds.slice(0, 3));
        expect(first.distance).toBeCloseTo(dCompanion3, 5);
        expect(calls()).toBe(4); // the question and the three references, from their bytes
        // The three references' companion vectors are kept under the companion's version, with their own labels.
        expect(await store.countEmbeddings('companion-test-companion')).toBe(3);
        for (let i = 0; i < 3; i++) {
          const kept = await store.findVector(imageIds[i], 'companion-test-companion');
          expect(Array.from(kept!)).toEqual(Array.from(companionShots[i]));
        }
        expect((await store.allLabels('companion-test-companion')).sort((a, b) => a - b)).toHaveLength(3);
        // …and are not in the served index.
        expect(server.internals.active.current.index.size).toBe(4);

        // The next call reads them: only the question is embedded, and the answer is the same.
        const second = await ask(id);
        expect(calls()).toBe(5);
        expect(second.distance).toBeCloseTo(first.distance, 6);
        expect(second.encoder).toBe('COMPANION');

        // A caller's threshold is read against the companion's distance (the answer says which encoder).
        const strict = await ask(id, dCompanion3 - 0.001);
        expect(strict).toMatchObject({ encoder: 'COMPANION', match: false, threshold: dCompanion3 - 0.001 });

        // verify stays on the served model.
        const one = await gql(url, VERIFY, { a: await b64(1, 0), b: await b64(1, 5) }, { token: TOKEN });
        expect(one.data!.verify).toMatchObject({ threshold: 0.2, modelVersion: 'companion-test-served' });

        // An identity's first companion call made twice at once (both store the same images' vectors): one set of rows stays.
        const other = (await gql(url, CREATE, { name: 'B' }, { token: TOKEN })).data!.createIdentity.id;
        expect(
          (await gql(url, ENROLL, { id: other, images: await Promise.all([4, 6, 7].map((s) => b64(1, s))) }, { token: TOKEN })).errors,
        ).toBeUndefined();
        const [b1, b2] = await Promise.all([ask(other), ask(other)]);
        expect(b1.distance).toBeCloseTo(b2.distance, 6);
        expect(b1.encoder).toBe('COMPANION');
        expect(await store.countEmbeddings('companion-test-companion')).toBe(6);
        // …without a failed write on either database (a lost race is read again, not logged).
        expect(errors).toEqual([]);

        // Erasing a reference erases its companion vector; with two left the served model answers again.
        for (const image of imageIds.slice(0, 2))
          expect((await gql(url, DELETE_IMAGE, { id: image }, { token: TOKEN })).data!.deleteImage).toBe(true);
        expect(await store.findVector(imageIds[0], 'companion-test-companion')).toBeNull();
        expect(await store.countEmbeddings('companion-test-companion')).toBe(4);
        const after = await ask(id);
        expect(after).toMatchObject({ encoder: 'PRIMARY', modelVersion: 'companion-test-served', referenceImageIds: imageIds.slice(2, 4) });
      } finally {
        await server?.close();
        await setup.cleanup?.(dbUrl);
        fs.rmSync(dataDir, { recursive: true, force: true });
      }
    });

    it('embeds enrolled images with the companion in the background, those enrolled before it was configured too', async () => {
      const dataDir = tempDir('siamese-companion-warm-');
      const dbUrl = setup.databaseUrl();
      let server: RunningServer | undefined;
      try {
        // Enrolled while the server had no companion.
        server = await startTestServer({ dataDir, adminToken: TOKEN, databaseUrl: dbUrl, embedder: served });
        const id = (await gql(server.url, CREATE, { name: 'A' }, { token: TOKEN })).data!.createIdentity.id;
        const imageIds: string[] = [];
        for (const shot of [0, 1, 2])
          imageIds.push((await gql(server.url, ENROLL, { id, images: [await b64(1, shot)] }, { token: TOKEN })).data!.enrollImages[0].id);
        expect(server.internals.companionWarmer).toBeUndefined();
        expect(await (await fetch(new URL('/healthz', server.url))).json()).not.toHaveProperty('companionVersion');
        await server.close();
        server = undefined;

        const before = companionCalls;
        server = await startTestServer({
          dataDir,
          adminToken: TOKEN,
          databaseUrl: dbUrl,
          embedder: served,
          companion: { embedder: companion, fromReferences: 3 },
        });
        const { store, companionWarmer } = server.internals;
        // At start: the three images from before.
        await companionWarmer!.idle();
        expect(await store.countEmbeddings('companion-test-companion')).toBe(3);
        expect(companionCalls - before).toBe(3);
        // After an enrolment: its image too, while the call has already answered.
        imageIds.push((await gql(server.url, ENROLL, { id, images: [await b64(1, 3)] }, { token: TOKEN })).data!.enrollImages[0].id);
        await companionWarmer!.idle();
        expect(await store.countEmbeddings('companion-test-companion')).toBe(4);
        expect(Array.from((await store.findVector(imageIds[3], 'companion-test-companion'))!)).toEqual(Array.from(companionShots[3]));
        expect(companionCalls - before).toBe(4);
        // verifyIdentity then embeds the question only, and answers as on the lazy path.
        const r = await gql(server.url, VERIFY_IDENTITY, { id, image: await b64(2, 0) }, { token: TOKEN });
        expect(r.errors).toBeUndefined();
        expect(r.data!.verifyIdentity).toMatchObject({ encoder: 'COMPANION', referenceImageIds: imageIds.slice(0, 3) });
        expect(r.data!.verifyIdentity.distance).toBeCloseTo(dCompanion3, 5);
        expect(companionCalls - before).toBe(5);
        expect(companionWarmer!.stored).toBe(4);
      } finally {
        await server?.close();
        await setup.cleanup?.(dbUrl);
        fs.rmSync(dataDir, { recursive: true, force: true });
      }
    });

    it('embeds the images another writer enrolled, which it hears of through the change feed', async () => {
      // Two servers on one database: A serves without the companion (a replica not yet configured, or as `siamese
      // import` writes), B with it. B enrols nothing; its change follower reads A's rows and its warmer embeds them.
      const [dirA, dirB, dirDb] = ['a', 'b', 'db'].map((n) => tempDir(`siamese-companion-feed-${n}-`));
      const dbUrl = setup.databaseUrl() ?? `file:${path.join(dirDb, 'shared.db')}`;
      let a: RunningServer | undefined;
      let b: RunningServer | undefined;
      try {
        a = await startFeedReplica({ dataDir: dirA, adminToken: TOKEN, databaseUrl: dbUrl, embedder: served });
        const before = companionCalls;
        b = await startFeedReplica(
          { dataDir: dirB, adminToken: TOKEN, databaseUrl: dbUrl, embedder: served },
          { embedder: companion, fromReferences: 3, foreignDelayMs: 100 },
        );
        const warmer = b.internals.companionWarmer!;
        await warmer.idle();
        expect(warmer.stored).toBe(0); // nothing enrolled yet
        const id = (await gql(a.url, CREATE, { name: 'A' }, { token: TOKEN })).data!.createIdentity.id;
        const imageIds: string[] = [];
        for (const shot of [0, 1, 2])
          imageIds.push((await gql(a.url, ENROLL, { id, images: [await b64(1, shot)] }, { token: TOKEN })).data!.enrollImages[0].id);
        // B has its companion vectors without being asked anything (bounded: the feed is polled every 50 ms).
        const deadline = Date.now() + 20_000;
        while ((await b.internals.store.countEmbeddings('companion-test-companion')) < 3 && Date.now() < deadline)
          await new Promise((r) => setTimeout(r, 50));
        await warmer.idle();
        expect(await b.internals.store.countEmbeddings('companion-test-companion')).toBe(3);
        for (const [k, image] of imageIds.entries())
          expect(Array.from((await b.internals.store.findVector(image, 'companion-test-companion'))!)).toEqual(
            Array.from(companionShots[k]),
          );
        expect(warmer.stored).toBe(3);
        expect(companionCalls - before).toBe(3);
        // Its first verifyIdentity from three references then embeds the question only.
        const r = await gql(b.url, VERIFY_IDENTITY, { id, image: await b64(2, 0) }, { token: TOKEN });
        expect(r.errors).toBeUndefined();
        expect(r.data!.verifyIdentity).toMatchObject({ encoder: 'COMPANION', referenceImageIds: imageIds });
        expect(r.data!.verifyIdentity.distance).toBeCloseTo(dCompanion3, 5);
        expect(companionCalls - before).toBe(4);
        // Closing with a delayed pass scheduled leaves no timer behind.
        warmer.notifyLater();
        expect(warmer.scheduled).toBe(true);
        await b.close();
        b = undefined;
        expect(warmer.scheduled).toBe(false);
      } finally {
        await b?.close();
        await a?.close();
        await setup.cleanup?.(dbUrl);
        for (const dir of [dirA, dirB, dirDb]) fs.rmSync(dir, { recursive: true, force: true });
      }
    });

    it('leaves the images to the replica that enrolled them when it has the companion too', async () => {
      // Both servers have the companion: A enrols and embeds in its own pass; B's delayed pass finds nothing missing.
      const [dirA, dirB, dirDb] = ['a', 'b', 'db'].map((n) => tempDir(`siamese-companion-feed2-${n}-`));
      const dbUrl = setup.databaseUrl() ?? `file:${path.join(dirDb, 'shared.db')}`;
      const servers: RunningServer[] = [];
      try {
        // A delay far above what A's pass of three small images takes, so that B comes second.
        for (const dir of [dirA, dirB])
          servers.push(
            await startFeedReplica(
              { dataDir: dir, adminToken: TOKEN, databaseUrl: dbUrl, embedder: served },
              { embedder: companion, fromReferences: 3, foreignDelayMs: 1500 },
            ),
          );
        const [a, b] = servers;
        const id = (await gql(a.url, CREATE, { name: 'A' }, { token: TOKEN })).data!.createIdentity.id;
        for (const shot of [0, 1, 2]) await gql(a.url, ENROLL, { id, images: [await b64(1, shot)] }, { token: TOKEN });
        await a.internals.companionWarmer!.idle();
        expect(a.internals.companionWarmer!.stored).toBe(3);
        // B heard of the rows (its delayed pass is scheduled), then ran it and stored nothing.
        const deadline = Date.now() + 10_000;
        while (!b.internals.companionWarmer!.scheduled && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
        expect(b.internals.companionWarmer!.scheduled).toBe(true);
        while (b.internals.companionWarmer!.scheduled && Date.now() < deadline + 5_000) await new Promise((r) => setTimeout(r, 20));
        await b.internals.companionWarmer!.idle();
        expect(b.internals.companionWarmer!.scheduled).toBe(false);
        expect(b.internals.companionWarmer!.stored).toBe(0);
        expect(await b.internals.store.countEmbeddings('companion-test-companion')).toBe(3);
      } finally {
        for (const s of servers.reverse()) await s.close();
        await setup.cleanup?.(dbUrl);
        for (const dir of [dirA, dirB, dirDb]) fs.rmSync(dir, { recursive: true, force: true });
      }
    });
  });
}

import * as fs from 'fs';
import type { RunningServer } from '../../src/main';
import type { EmbedderPort } from '../../src/services';
import { pixelEmbedder } from '../fixtures/pixel-embedder';
import { syntheticImage } from '../fixtures/synthetic-images';
import { describePg, pgSuiteDatabases } from '../db/db-targets';
import { gql } from './http-client';
import { startFeedReplica, tempDir } from './harness';

/**
 * The companion warmer's lock across replicas (db/work-lock.ts, session 50): three servers on one PostgreSQL database,
 * A without the companion (as `siamese import` writes), B and C with it. A enrols; B and C both hear of it through the
 * change feed and wake together; one walks the images under the lock, the other is refused and looks again later, when
 * nothing is missing. Every image is embedded by the companion exactly once.
 */
const TOKEN = 'companion-lock-admin-token-0123456789';
const CREATE = `mutation($name: String!) { createIdentity(name: $name) { id } }`;
const ENROLL = `mutation($id: ID!, $images: [ImageInput!]!) { enrollImages(identityId: $id, images: $images) { id } }`;

describePg('companion warm lock (PostgreSQL)', () => {
  jest.setTimeout(60_000);
  const databases = pgSuiteDatabases();

  it("two replicas with the companion embed another writer's images once between them", async () => {
    const served = pixelEmbedder(0.2, { version: 'lock-test-served', side: 16 });
    const base = pixelEmbedder(0.3, { version: 'lock-test-companion', side: 4 });
    let companionCalls = 0;
    const servers: RunningServer[] = [];
    const denied = () => servers.slice(1).reduce((n, s) => n + s.internals.companionWarmer!.deniedPasses, 0);
    const companion: EmbedderPort = {
      // A companion must calibrate some R ≥ fromReferences (companion-model.ts); the threshold is not read here.
      card: {
        ...base.card,
        thresholds: {
          ...base.card.thresholds,
          references: [{ references: 3, threshold: 0.3, auc: 0.99, eer: 0.02, far: 0.01, frr: 0.05, positivePairs: 40, negativePairs: 60 }],
        },
      },
      // The holder's first chunk waits until the other replica has been refused (at most 5 s), so the two passes
      // overlap whatever the machine's speed: without the lock both would embed every image.
      embedImages: async (images, limits) => {
        companionCalls += images.length;
        for (const until = Date.now() + 5000; denied() === 0 && Date.now() < until;) await new Promise((r) => setTimeout(r, 10));
        return base.embedImages(images, limits);
      },
    };
    const dirs = ['a', 'b', 'c'].map((n) => tempDir(`siamese-companion-lock-${n}-`));
    const dbUrl = databases.databaseUrl();
    try {
      servers.push(await startFeedReplica({ dataDir: dirs[0], adminToken: TOKEN, databaseUrl: dbUrl, embedder: served }));
      // The same delay: both wake within its jitter (up to 100 ms) of each other.
      for (const dir of dirs.slice(1))
        servers.push(
          await startFeedReplica(
            { dataDir: dir, adminToken: TOKEN, databaseUrl: dbUrl, embedder: served },
            { embedder: companion, fromReferences: 3, foreignDelayMs: 200 },
          ),
        );
      const [a, b, c] = servers;
      const id = (await gql(a.url, CREATE, { name: 'A' }, { token: TOKEN })).data!.createIdentity.id;
      const images = await Promise.all([0, 1, 2, 3, 4, 5].map(async (s) => ({ base64: (await syntheticImage(1, s)).toString('base64') })));
      const r = await gql(a.url, ENROLL, { id, images }, { token: TOKEN });
      expect(r.errors).toBeUndefined();
      const deadline = Date.now() + 30_000;
      while ((await b.internals.store.countEmbeddings('lock-test-companion')) < 6 && Date.now() < deadline)
        await new Promise((res) => setTimeout(res, 50));
      // Let the refused pass come round again (250 ms, then 500 ms later) and find nothing.
      await new Promise((res) => setTimeout(res, 1000));
      for (const s of [b, c]) await s.internals.companionWarmer!.idle();
      expect(await b.internals.store.countEmbeddings('lock-test-companion')).toBe(6);
      const [wb, wc] = [b.internals.companionWarmer!, c.internals.companionWarmer!];
      expect(wb.stored + wc.stored).toBe(6);
      expect(companionCalls).toBe(6);
      // Both tried: one of them was refused at least once.
      expect(wb.deniedPasses + wc.deniedPasses).toBeGreaterThanOrEqual(1);
    } finally {
      for (const s of servers.reverse()) await s.close();
      await databases.cleanup(dbUrl);
      for (const dir of dirs) fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

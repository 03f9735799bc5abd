import * as fs from 'fs';
import * as path from 'path';
import { Client } from 'pg';
import { gql } from '../e2e/http-client';
import { describePg, PG_URL, pgTestDatabase, type TestDatabase } from '../db/db-targets';
import { tinyModelOnce } from '../fixtures/tiny-model-once';
import { syntheticImage } from '../fixtures/synthetic-images';
import { isLoadFailure, loadIndex } from '../../src/index/index-store';
import { IndexLifecycle } from '../../src/services/index-lifecycle.service';
import type { ModelCard } from '../../src/embedding/model-card';
import { loadConfig } from '../../src/config';
import { openServiceStack } from '../../src/main';
import { importTree, scanImageTree } from '../../src/cli/import.command';
import { TOKEN, eventually, killReplica, replicaDataDir, startReplica, type Replica, type ReplicaOptions } from './replica-cluster';

/**
 * Issue 18: three replicas (own processes, own data directories, own in-process HNSW) on one
 * PostgreSQL schema. Each step drives one replica over HTTP and checks the others: through their
 * answers, and through the index files they keep on disk.
 */
jest.setTimeout(240_000);

const CREATE = `mutation($name: String!) { createIdentity(name: $name) { id } }`;
const ENROLL = `mutation($id: ID!, $images: [ImageInput!]!) { enrollImages(identityId: $id, images: $images) { id } }`;
const DELETE = `mutation($id: ID!) { deleteIdentity(id: $id) }`;
const SEARCH = `query($image: ImageInput!) { searchSimilar(image: $image, k: 1) { identity { id } distance } }`;
const MODEL = `{ model { version indexedVectors } }`;
const RETRAIN = `mutation($o: RetrainInput) { retrain(options: $o) { id status } }`;
const RUN = `query($id: ID!) { trainingRun(id: $id) { id status error modelVersion promoted } }`;
const CANCEL = `mutation($id: ID!) { cancelRetrain(id: $id) { id status } }`;

const image = async (person: number, shot: number) => ({ base64: (await syntheticImage(person, shot)).toString('base64') });

async function call(url: string, query: string, variables: Record<string, unknown> = {}): Promise<any> {
  const r = await gql(url, query, variables, { token: TOKEN });
  if (r.errors) throw new Error(JSON.stringify(r.errors));
  return r.data;
}

/** The identity the replica's index puts first for this image (the image itself, at distance 0, once indexed). */
async function topHit(r: Replica, person: number, shot: number): Promise<string | null> {
  const d = await call(r.url, SEARCH, { image: await image(person, shot) });
  return d.searchSimilar[0]?.identity.id ?? null;
}

describePg('replicas on one PostgreSQL (issue 18)', () => {
  let db: TestDatabase;
  let pg: Client;
  let schema: string;
  let card: ModelCard;
  let options: ReplicaOptions;
  const replicas: Replica[] = [];
  let [a, b, c] = [undefined, undefined, undefined] as unknown as Replica[];

  const start = async (name: string, dataDir = replicaDataDir(name), retraining?: Record<string, number>) => {
    const r = await startReplica(name, dataDir, { ...options, retraining: { ...options.retraining, ...retraining } });
    replicas.push(r);
    return r;
  };

  /** Index labels of an identity's vectors under `version`, read from the database. */
  const labelsOf = async (identityId: string, version: string): Promise<number[]> => {
    const res = await pg.query(
      `SELECT e.label FROM "${schema}"."Embedding" e JOIN "${schema}"."EnrolledImage" i ON i.id = e."imageId" WHERE i."identityId" = $1 AND e."modelVersion" = $2`,
      [identityId, version],
    );
    return res.rows.map((row: { label: number }) => row.label);
  };

  /** The labels the replica's SAVED index file holds (null while it has none). */
  const savedLabels = (r: Replica, version: string): Set<number> | null => {
    const loaded = loadIndex(path.join(r.dataDir, 'index'), IndexLifecycle.indexName(version), {
      modelFingerprint: card.fingerprint,
      metric: card.metric,
      dimension: card.architecture.embeddingDim,
    });
    return isLoadFailure(loaded) ? null : new Set(loaded.index.labels());
  };

  beforeAll(async () => {
    const tiny = await tinyModelOnce();
    card = tiny.card;
    db = pgTestDatabase();
    schema = new URL(db.url).searchParams.get('schema')!;
    pg = new Client({ connectionString: PG_URL });
    await pg.connect();
    options = {
      databaseUrl: db.url,
      modelDir: tiny.modelDir,
      // A short lease for the crash test, heartbeats (5 × persistEveryMs) well inside it.
      env: { SIAMESE_TRAINING_LEASE_MS: '3000', SIAMESE_FEED_POLL_MS: '5000' },
      retraining: { persistEveryMs: 100 },
    };
    a = await start('a'); // first: applies the migrations
    [b, c] = await Promise.all([start('b'), start('c')]);
  });

  afterAll(async () => {
    await Promise.all(replicas.map((r) => killReplica(r)));
    for (const r of replicas) fs.rmSync(r.dataDir, { recursive: true, force: true });
    await pg?.end();
    await db?.dispose();
  });

  it('an enrollment on A is found on B and C', async () => {
    const ada = (await call(a.url, CREATE, { name: 'ada' })).createIdentity.id;
    await call(a.url, ENROLL, { id: ada, images: [await image(1, 0), await image(1, 1)] });
    // A answers from its own write at once (read-your-writes on the replica that took it).
    expect(await topHit(a, 1, 0)).toBe(ada);
    for (const r of [b, c]) {
      // LISTEN/NOTIFY, not the 5 s poll, brings it: well under the poll period.
      const t0 = Date.now();
      await eventually(`enrollment visible on ${r.name}`, async () => ((await topHit(r, 1, 1)) === ada ? true : undefined), 20_000);
      expect(Date.now() - t0).toBeLessThan(4_500);
      expect((await call(r.url, MODEL)).model.indexedVectors).toBe(2);
    }
  });

  it('a deletion on B leaves the indexes of A and C, in memory and on disk', async () => {
    const bob = (await call(b.url, CREATE, { name: 'bob' })).createIdentity.id;
    await call(b.url, ENROLL, { id: bob, images: [await image(2, 0), await image(2, 1)] });
    const version = (await call(a.url, MODEL)).model.version;
    const labels = await labelsOf(bob, version);
    expect(labels).toHaveLength(2);
    // Every replica has it, in memory and (after the debounced save) on disk.
    for (const r of [a, c]) {
      await eventually(`bob on ${r.name}`, async () => ((await topHit(r, 2, 0)) === bob ? true : undefined));
      await eventually(`bob in ${r.name}'s saved index`, async () =>
        labels.every((l) => savedLabels(r, version)?.has(l)) ? true : undefined,
      );
    }

    expect((await call(b.url, DELETE, { id: bob })).deleteIdentity).toBe(true);
    for (const r of [a, c]) {
      await eventually(`bob gone from ${r.name}`, async () => ((await topHit(r, 2, 0)) !== bob ? true : undefined));
      await eventually(`bob gone from ${r.name}'s saved index`, async () => {
        const saved = savedLabels(r, version);
        return saved !== null && labels.every((l) => !saved.has(l)) ? true : undefined;
      });
    }
    expect(await topHit(b, 2, 0)).not.toBe(bob);
  });

  it('`siamese import` beside running replicas goes through the feed and writes no index file', async () => {
    const tree = replicaDataDir('import-tree');
    fs.mkdirSync(path.join(tree, 'eve'));
    for (let shot = 0; shot < 3; shot++) fs.writeFileSync(path.join(tree, 'eve', `${shot}.png`), await syntheticImage(5, shot));
    const importDir = replicaDataDir('import');
    const config = loadConfig(
      {
        NODE_ENV: 'test',
        SIAMESE_DATA_DIR: importDir,
        DATABASE_URL: db.url,
        SIAMESE_MODEL: options.modelDir,
        SIAMESE_BACKEND: 'cpu',
        SIAMESE_LOG_LEVEL: 'silent',
        SIAMESE_MODELS_DIR: path.join(importDir, 'no-models'),
      },
      importDir,
    );
    const stack = await openServiceStack(config, { writeOnly: true });
    try {
      const result = await importTree(stack, tree, scanImageTree(tree), { chunk: 8 });
      expect([result.enrolled, result.failed]).toEqual([3, 0]);
    } finally {
      await stack.close();
    }
    const eve = (await call(a.url, `{ identities(first: 50) { edges { node { id name } } } }`)).identities.edges.find(
      (e: any) => e.node.name === 'eve',
    ).node.id;
    for (const r of [a, b, c])
      await eventually(`imported eve on ${r.name}`, async () => ((await topHit(r, 5, 2)) === eve ? true : undefined));
    expect(fs.existsSync(path.join(importDir, 'index')) ? fs.readdirSync(path.join(importDir, 'index')) : []).toEqual([]);
    fs.rmSync(tree, { recursive: true, force: true });
    fs.rmSync(importDir, { recursive: true, force: true });
  });

  it('a replica killed while the feed moves restarts and catches up', async () => {
    const version = (await call(a.url, MODEL)).model.version;
    const cid = (await call(a.url, CREATE, { name: 'cy' })).createIdentity.id;
    const dee = (await call(a.url, CREATE, { name: 'dee' })).createIdentity.id;
    await call(a.url, ENROLL, { id: dee, images: [await image(4, 0)] });
    await eventually('dee on C', async () => ((await topHit(c, 4, 0)) === dee ? true : undefined));
    // C saved an index that knows its feed position (sidecar), the start point after a restart.
    const sidecar = () =>
      JSON.parse(fs.readFileSync(path.join(c.dataDir, 'index', `${IndexLifecycle.indexName(version)}.index.json`), 'utf8'));
    await eventually('C saved its feed position', async () => (sidecar().feed?.seq > 0 ? true : undefined));

    // Writes on A while C is being killed: some reach C's index before the kill, some after.
    const writes = (async () => {
      for (let shot = 0; shot < 6; shot++) await call(a.url, ENROLL, { id: cid, images: [await image(3, shot)] });
      await call(a.url, DELETE, { id: dee });
    })();
    await new Promise((r) => setTimeout(r, 30));
    await killReplica(c);
    await writes;

    c = await start('c2', c.dataDir);
    expect(await topHit(c, 3, 5)).toBe(cid);
    expect(await topHit(c, 4, 0)).not.toBe(dee);
    expect((await call(c.url, MODEL)).model.indexedVectors).toBe((await call(a.url, MODEL)).model.indexedVectors);
    // And it follows again after the restart.
    await call(b.url, ENROLL, { id: cid, images: [await image(3, 7)] });
    await eventually('C follows after its restart', async () => ((await topHit(c, 3, 7)) === cid ? true : undefined));
  });

  it('one training run across replicas; the promotion reaches all three', async () => {
    // Enough identities for a held-out split.
    for (let p = 10; p < 14; p++) {
      const id = (await call(a.url, CREATE, { name: `p${p}` })).createIdentity.id;
      await call(a.url, ENROLL, { id, images: [await image(p, 0), await image(p, 1), await image(p, 2)] });
    }
    const before = (await call(a.url, MODEL)).model.version;
    const run = (await call(a.url, RETRAIN, { o: { steps: 3, batchSize: 8, promote: 'ALWAYS' } })).retrain;
    const second = await gql(b.url, RETRAIN, { o: { steps: 3 } }, { token: TOKEN });
    expect(second.errors?.[0]?.extensions?.code).toBe('TRAINING_IN_PROGRESS');
    expect(second.errors?.[0]?.extensions?.runId).toBe(run.id);

    const done = await eventually(
      'the run finishes',
      async () => {
        const r = (await call(a.url, RUN, { id: run.id })).trainingRun;
        return ['SUCCEEDED', 'FAILED', 'CANCELLED'].includes(r.status) ? r : undefined;
      },
      120_000,
      200,
    );
    expect([done.status, done.error, done.promoted]).toEqual(['SUCCEEDED', null, true]);
    expect(done.modelVersion).not.toBe(before);
    const vectors = (await call(a.url, MODEL)).model.indexedVectors;
    for (const r of [a, b, c]) {
      const model = await eventually(
        `${r.name} serves ${done.modelVersion}`,
        async () => {
          const m = (await call(r.url, MODEL)).model;
          return m.version === done.modelVersion ? m : undefined;
        },
        60_000,
        100,
      );
      expect(model.indexedVectors).toBe(vectors);
    }
    // The new pair searches on every replica (the image finds its own identity).
    const p12 = await topHit(a, 12, 1);
    for (const r of [b, c]) expect(await topHit(r, 12, 1)).toBe(p12);
  });

  it("a crashed holder's run is failed when its lease expires, and the slot is free again", async () => {
    // B runs slowly (one image per re-embedding chunk, 300 ms apart): long enough to kill it mid-run.
    const dataDir = b.dataDir;
    await killReplica(b);
    b = await start('b2', dataDir, { embedChunk: 1, embedDelayMs: 300 });
    const run = (await call(b.url, RETRAIN, { o: { steps: 3, batchSize: 8, promote: 'ALWAYS' } })).retrain;
    await eventually(
      'the run is under way',
      async () => {
        const r = (await call(a.url, RUN, { id: run.id })).trainingRun;
        return ['RUNNING', 'EVALUATING', 'REINDEXING'].includes(r.status) ? r : undefined;
      },
      60_000,
      50,
    );
    await killReplica(b);

    const failed = await eventually(
      'A or C fails the orphaned run',
      async () => {
        const r = (await call(a.url, RUN, { id: run.id })).trainingRun;
        return r.status === 'FAILED' ? r : undefined;
      },
      20_000,
      100,
    );
    expect(failed.error).toMatch(/^lease expired/);
    const next = (await call(c.url, RETRAIN, { o: { steps: 3 } })).retrain;
    expect(next.status).toBe('QUEUED');
    await call(c.url, CANCEL, { id: next.id });
  });
});

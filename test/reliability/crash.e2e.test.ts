import type { ChildProcess } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import Database from 'better-sqlite3';
import { isLoadFailure, labelsChecksum, loadIndex } from '../../src/index/index-store';
import { IndexLifecycle } from '../../src/services/index-lifecycle.service';
import { tinyModelOnce } from '../fixtures/tiny-model-once';
import { syntheticImage } from '../fixtures/synthetic-images';
import { gql } from '../e2e/http-client';
import { tempDir } from '../e2e/harness';
import { serverEnv, startChildServer } from './child-server';

/**
 * Issue 7, crash consistency: the real server in a child process, SIGKILLed
 * at a random moment while clients enroll batches and delete identities,
 * then restarted on the same data directory. After every restart:
 *  - every enrollment acknowledged to a client is searchable (its own image is
 *    its nearest neighbour, under its identity);
 *  - every acknowledged deletion stays deleted;
 *  - the saved index holds exactly the database's labels for the served
 *    model (no vector without a row, no row without a vector), and its
 *    sidecar names the active model (fingerprint, version, metric, dimension).
 * `SOAK_KILLS=25` runs the long version (default 8 kills). Loopback only.
 */
const KILLS = Number(process.env.SOAK_KILLS ?? 8);
jest.setTimeout(60_000 + KILLS * 15_000);

const TOKEN = 'crash-admin-token-0123456789abcdef';
const CREATE = `mutation($n: String!) { createIdentity(name: $n) { id } }`;
const ENROLL = `mutation($id: ID!, $images: [ImageInput!]!) { enrollImages(identityId: $id, images: $images) { id } }`;
const DELETE = `mutation($id: ID!) { deleteIdentity(id: $id) }`;
const SEARCH = `query($image: ImageInput!) { searchSimilar(image: $image, k: 1) { identity { id } imageId distance } }`;

interface Acked {
  identityId: string;
  imageIds: string[];
}

describe(`issue 7: crash consistency (${KILLS} SIGKILLs)`, () => {
  let dataDir: string;
  let child: ChildProcess | undefined;

  beforeAll(() => {
    dataDir = tempDir('siamese-crash-');
  });
  afterAll(() => {
    if (child && child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it('loses nothing acknowledged and keeps database and index in step across kills', async () => {
    const { modelDir, card } = await tinyModelOnce();
    const env = serverEnv(dataDir, modelDir, TOKEN, { SIAMESE_BACKEND: 'wasm' });
    const acked = new Map<string, Acked>(); // identityId → acknowledged images
    const deleted = new Set<string>(); // acknowledged deletions
    let next = 0;
    let killedMidRequest = 0;
    let checkedImages = 0;
    let ackedEnrollments = 0;

    const indexDir = path.join(dataDir, 'index');
    const indexName = IndexLifecycle.indexName(card.version);

    /** Database labels of the served model vs the saved index and its sidecar; acked work present. */
    async function checkConsistent(url: string, recent: Set<string>): Promise<void> {
      const db = new Database(path.join(dataDir, 'siamese.db'), { readonly: true });
      const labels = (
        db.prepare(`SELECT label FROM "Embedding" WHERE "modelVersion" = ?`).all(card.version) as Array<{ label: number }>
      ).map((r) => r.label);
      const orphans = db
        .prepare(`SELECT COUNT(*) AS n FROM "Embedding" e LEFT JOIN "EnrolledImage" i ON i.id = e."imageId" WHERE i.id IS NULL`)
        .get() as { n: number };
      const unembedded = db
        .prepare(
          `SELECT COUNT(*) AS n FROM "EnrolledImage" i LEFT JOIN "Embedding" e ON e."imageId" = i.id AND e."modelVersion" = ? WHERE e.id IS NULL`,
        )
        .get(card.version) as { n: number };
      db.close();
      expect({ orphans: orphans.n, unembedded: unembedded.n }).toEqual({ orphans: 0, unembedded: 0 });

      // The server saved (or verified) the index at start: it must be exactly the database's.
      const loaded = loadIndex(indexDir, indexName, {
        modelFingerprint: card.fingerprint,
        metric: card.metric,
        dimension: card.architecture.embeddingDim,
        labelsChecksum: labelsChecksum(labels),
        count: labels.length,
      });
      if (isLoadFailure(loaded)) throw new Error(`saved index does not match the database: ${loaded.reason}: ${loaded.detail}`);
      expect(loaded.sidecar).toMatchObject({ modelFingerprint: card.fingerprint, modelVersion: card.version, count: labels.length });
      expect(new Set(loaded.index.labels())).toEqual(new Set(labels));
      const health = (await (await fetch(url.replace('/graphql', '/healthz'))).json()) as { indexedVectors: number; modelVersion: string };
      expect(health).toMatchObject({ modelVersion: card.version, indexedVectors: labels.length });

      // Acknowledged enrollments are searchable: each image finds itself under its identity.
      // (Every acked image of the last round; a sample of older ones.)
      const older = [...acked.keys()].filter((id) => !recent.has(id));
      const sample = new Set([...recent, ...older.sort(() => Math.random() - 0.5).slice(0, 15)]);
      for (const id of sample) {
        const a = acked.get(id);
        if (!a) continue;
        for (const imageId of a.imageIds) {
          const r = await gql(url, SEARCH, { image: { imageId } }, { token: TOKEN });
          expect(r.errors).toBeUndefined();
          expect(r.data.searchSimilar[0]).toMatchObject({ identity: { id }, imageId });
          checkedImages++;
        }
      }
      for (const id of deleted) {
        const r = await gql(url, `query($id: ID!) { identity(id: $id) { id } }`, { id }, { token: TOKEN });
        expect(r.errors?.[0].extensions?.code).toBe('NOT_FOUND');
      }
    }

    /** Clients enrolling batches and deleting until the server dies under them. */
    async function worker(url: string, recent: Set<string>, alive: () => boolean): Promise<void> {
      while (alive()) {
        try {
          const ids = [...acked.keys()];
          if (ids.length > 8 && Math.random() < 0.2) {
            const victim = ids[Math.floor(Math.random() * ids.length)];
            acked.delete(victim); // uncertain until acknowledged
            const r = await gql(url, DELETE, { id: victim }, { token: TOKEN });
            if (r.data?.deleteIdentity === true) deleted.add(victim);
            continue;
          }
          const n = next++;
          const created = await gql(url, CREATE, { n: `c${n}` }, { token: TOKEN });
          const identityId: string = created.data.createIdentity.id;
          const shots = 1 + (n % 3);
          const images = await Promise.all(
            Array.from({ length: shots }, async (_, s) => ({ base64: (await syntheticImage(100 + n, s)).toString('base64') })),
          );
          const r = await gql(url, ENROLL, { id: identityId, images }, { token: TOKEN });
          if (r.errors) throw new Error(`enroll refused: ${JSON.stringify(r.errors)}`);
          acked.set(identityId, { identityId, imageIds: r.data.enrollImages.map((i: { id: string }) => i.id) });
          ackedEnrollments++;
          recent.add(identityId);
        } catch (e) {
          if (alive()) throw e; // a failure while the server lives is a bug
          killedMidRequest++;
          return;
        }
      }
    }

    let lastRecent = new Set<string>();
    for (let round = 0; round <= KILLS; round++) {
      const started = await startChildServer(env);
      child = started.child;
      const recent = new Set<string>();
      if (round > 0) await checkConsistent(started.url, lastRecent);
      if (round === KILLS) break;
      let dead = false;
      const exited = new Promise((r) => child!.once('exit', r));
      const workers = Array.from({ length: 4 }, () => worker(started.url, recent, () => !dead));
      // Random kill point: 300–1500 ms into the load (enrollments, their index saves, deletions).
      await new Promise((r) => setTimeout(r, 300 + Math.random() * 1200));
      dead = true;
      child.kill('SIGKILL');
      await exited;
      await Promise.all(workers);
      lastRecent = recent;
    }
    child?.kill('SIGKILL');
    console.log(
      `crash test: ${KILLS} kills survived; ${ackedEnrollments} enrollments acknowledged, ${acked.size} identities acknowledged and present (${[...acked.values()].reduce((s, a) => s + a.imageIds.length, 0)} images), ` +
        `${deleted.size} acknowledged deletions, ${killedMidRequest} requests cut by a kill, ${checkedImages} image searches checked`,
    );
    expect(ackedEnrollments).toBeGreaterThan(KILLS);
    expect(deleted.size).toBeGreaterThan(0);
    expect(killedMidRequest).toBeGreaterThan(0);
  });
});

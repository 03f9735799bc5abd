import * as fs from 'fs';
import type { RunningServer } from '../../src/main';
import { gql } from '../e2e/http-client';
import { startTestServer, tempDir } from '../e2e/harness';
import { tinyModelOnce } from '../fixtures/tiny-model-once';
import { describePg, pgTestDatabase, type TestDatabase } from '../db/db-targets';
import { LABEL, MODEL, RETRAIN, SEARCH, TOKEN, b64, enroll, isFinal, waitForRun } from './helpers';

/**
 * The retraining round trip on PostgreSQL: the training child reads through its own pool,
 * the server writes; label → retrain → SUCCEEDED → the new version serves; a restart keeps it.
 */
jest.setTimeout(180_000);

describePg('retraining on PostgreSQL', () => {
  let dataDir: string;
  let db: TestDatabase;
  let server: RunningServer | undefined;

  beforeEach(() => {
    dataDir = tempDir('siamese-retrain-pg-');
    db = pgTestDatabase();
  });
  afterEach(async () => {
    await server?.close();
    server = undefined;
    await db.dispose();
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it('retrains, promotes and keeps the promotion across a restart', async () => {
    const { modelDir, card } = await tinyModelOnce();
    server = await startTestServer({ dataDir, adminToken: TOKEN, modelDir, databaseUrl: db.url });
    const people = await enroll(server.url, [1, 2, 3, 4, 5, 6], 3);
    const label = await gql(
      server.url,
      LABEL,
      { a: { imageId: people.get(1)!.images[0] }, b: await b64(1, 8), same: true },
      { token: TOKEN },
    );
    expect(label.data.labelPair).toMatchObject({ same: true, imageBId: null });

    const run = (await gql(server.url, RETRAIN, { o: { steps: 3, batchSize: 8, promote: 'ALWAYS' } }, { token: TOKEN })).data.retrain;
    const done = await waitForRun(server.url, run.id, isFinal);
    expect([done.status, done.error]).toEqual(['SUCCEEDED', null]);
    expect(done.metrics).toMatchObject({ labelledPairs: 1, promoted: true });
    expect((await gql(server.url, MODEL)).data.model).toEqual({ version: done.modelVersion, indexedVectors: 18 });
    expect(done.modelVersion).not.toBe(card.version);

    await server.close();
    server = await startTestServer({ dataDir, adminToken: TOKEN, modelDir, databaseUrl: db.url });
    expect((await gql(server.url, MODEL)).data.model.version).toBe(done.modelVersion);
    expect((await gql(server.url, SEARCH, { image: await b64(5, 9), k: 1 })).data.searchSimilar[0].identity.id).toBe(people.get(5)!.id);
  });
});

/**
 * BEFORE/AFTER probe for docs/reliability/round2/erasure.md, written against the API that
 * exists on the pre-issue code (/tmp/base): no identityIds tag, no deleteLabelledPair, no
 * snapshot knob. It prints what it observes; copy it to test/reliability/ of a tree and run
 *   npx jest test/reliability/erasure-before-probe.e2e.test.ts
 */
import * as fs from 'fs';
import * as path from 'path';
import Database from 'better-sqlite3';
import { loadConfig } from '../../src/config';
import { startServer } from '../../src/main';
import { tinyModelOnce } from '../fixtures/tiny-model-once';
import { syntheticImage } from '../fixtures/synthetic-images';
import { codes, gql } from '../e2e/http-client';
import { tempDir } from '../e2e/harness';
import { LABEL, MODEL, RETRAIN, TOKEN, enroll, isFinal, waitForRun } from '../retraining/helpers';

jest.setTimeout(240_000);

it('probe', async () => {
  const dataDir = tempDir('siamese-erasure-probe-');
  const { modelDir, card } = await tinyModelOnce();
  const env = {
    NODE_ENV: 'test', PORT: '0', HOST: '127.0.0.1', SIAMESE_DATA_DIR: dataDir, SIAMESE_LOG_LEVEL: 'silent',
    SIAMESE_INDEX_SAVE_DEBOUNCE_MS: '20', SIAMESE_BACKEND: 'cpu', SIAMESE_ADMIN_TOKEN: TOKEN, SIAMESE_MODEL: modelDir,
    SIAMESE_MODELS_DIR: path.join(dataDir, 'no-models'),
  };
  const server = await startServer(loadConfig(env, dataDir), { retraining: { embedChunk: 1, embedDelayMs: 150, persistEveryMs: 50 } });
  try {
    const url = server.url;
    const people = await enroll(url, [1, 2, 3, 4, 5, 6], 3);
    const gone = people.get(6)!;
    const u5 = await syntheticImage(6, 5);
    const u6 = await syntheticImage(6, 6);
    const onDisk = (b: Buffer) => fs.readdirSync(dataDir).filter((f) => f.startsWith('siamese.db')).some((f) => fs.readFileSync(path.join(dataDir, f)).includes(b.subarray(0, 256)));
    const up = await gql(url, LABEL, { a: { base64: u5.toString('base64') }, b: { base64: u6.toString('base64') }, same: true }, { token: TOKEN });
    const ref = await gql(url, LABEL, { a: { imageId: gone.images[0] }, b: { imageId: people.get(1)!.images[0] }, same: false }, { token: TOKEN });
    const run = (await gql(url, RETRAIN, { o: { steps: 4, batchSize: 8, promote: 'ALWAYS', seed: 3 } }, { token: TOKEN })).data.retrain;
    const mid = await waitForRun(url, run.id, (r) => (r.status === 'REINDEXING' && r.progress?.embedded >= 1) || isFinal(r));
    const del = await gql(url, `mutation($id: ID!) { deleteIdentity(id: $id) }`, { id: gone.id }, { token: TOKEN });
    const final = await waitForRun(url, run.id, isFinal);
    const db = new Database(path.join(dataDir, 'siamese.db'), { readonly: true });
    const pairsLeft = db.prepare(`SELECT id FROM "LabelledPair"`).all().map((r: any) => r.id);
    db.close();
    const modelsDir = path.join(dataDir, 'models');
    const observed = {
      statusWhenDeleted: mid.status,
      deleteIdentity: del.data,
      run: { status: final.status, promoted: final.promoted, error: final.error },
      servingIsNewModel: (await gql(url, MODEL)).data.model.version !== card.version,
      retrainedModelDirsOnDisk: fs.existsSync(modelsDir) ? fs.readdirSync(modelsDir).filter((d) => d.startsWith('rt-')).length : 0,
      uploadPairSurvived: pairsLeft.includes(up.data.labelPair.id),
      refPairSurvived: pairsLeft.includes(ref.data.labelPair.id),
      uploadedBytesOnDisk: [onDisk(u5), onDisk(u6)],
      deleteLabelledPair: codes(await gql(url, `mutation($id: ID!) { deleteLabelledPair(id: $id) }`, { id: up.data.labelPair.id }, { token: TOKEN })),
    };
    console.log('PROBE ' + JSON.stringify(observed));
    expect(observed.statusWhenDeleted).toBe('REINDEXING');
  } finally {
    await server.close();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
});

import * as fs from 'fs';
import { gql } from '../e2e/http-client';
import { startTestServer, tempDir } from '../e2e/harness';
import { tinyModelOnce } from '../fixtures/tiny-model-once';
import { RETRAIN, TOKEN, enroll, getRun } from './helpers';
jest.setTimeout(120_000);
it('debug', async () => {
  const dataDir = tempDir('siamese-dbg-');
  const { modelDir } = await tinyModelOnce();
  const t0 = Date.now();
  const server = await startTestServer({ dataDir, adminToken: TOKEN, modelDir, env: { SIAMESE_LOG_LEVEL: 'info' } });
  console.log('started', Date.now() - t0);
  await enroll(server.url, [1, 2, 3, 4, 5, 6], 3);
  console.log('enrolled', Date.now() - t0);
  const r = await gql(server.url, RETRAIN, { o: { steps: 4, epochs: 1, batchSize: 8, promote: 'ALWAYS' } }, { token: TOKEN });
  console.log(JSON.stringify(r));
  for (let i = 0; i < 40; i++) {
    const run = await getRun(server.url, r.data.retrain.id);
    console.log(Date.now() - t0, run.status, JSON.stringify(run.progress), run.error);
    if (['SUCCEEDED', 'FAILED', 'CANCELLED'].includes(run.status)) break;
    await new Promise((res) => setTimeout(res, 1000));
  }
  await server.close();
  fs.rmSync(dataDir, { recursive: true, force: true });
  expect(1).toBe(1);
});

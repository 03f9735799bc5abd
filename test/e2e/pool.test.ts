import * as fs from 'fs';
import type { RunningServer } from '../../src/main';
import { tinyModelOnce } from '../fixtures/tiny-model-once';
import { syntheticImage } from '../fixtures/synthetic-images';
import { gql } from './http-client';
import { startTestServer, tempDir } from './harness';

/** SIAMESE_EMBEDDING_POOL_SIZE > 0 wires the worker-thread pool: same answers as in-process embedding. */
describe('server with an embedding worker pool', () => {
  const VERIFY = `query($a: ImageInput!, $b: ImageInput!) { verify(a: $a, b: $b) { match distance } }`;
  const servers: RunningServer[] = [];
  const dirs: string[] = [];

  afterAll(async () => {
    for (const s of servers) await s.close();
    for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
  });

  it('verifies like the in-process embedder', async () => {
    const { modelDir } = await tinyModelOnce();
    const start = async (pool: string) => {
      const dataDir = tempDir('siamese-pool-');
      dirs.push(dataDir);
      const s = await startTestServer({ dataDir, modelDir, env: { SIAMESE_EMBEDDING_POOL_SIZE: pool, SIAMESE_BACKEND: 'cpu' } });
      servers.push(s);
      return s;
    };
    const [pooled, inline] = [await start('1'), await start('0')];
    const vars = {
      a: { base64: (await syntheticImage(1, 0)).toString('base64') },
      b: { base64: (await syntheticImage(1, 4)).toString('base64') },
    };
    const [p, i] = await Promise.all([gql(pooled.url, VERIFY, vars), gql(inline.url, VERIFY, vars)]);
    expect(p.errors).toBeUndefined();
    expect(p.data.verify.match).toBe(true);
    expect(p.data.verify.distance).toBeCloseTo(i.data.verify.distance, 5);
  });
});

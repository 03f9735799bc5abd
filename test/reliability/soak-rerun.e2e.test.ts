import * as fs from 'fs';
import type { RunningServer } from '../../src/main';
import { startTestServer, tempDir } from '../e2e/harness';
import { tinyModelOnce } from '../fixtures/tiny-model-once';
import { runSoak } from './soak-load';

/**
 * The soak can run again against the same live server (`SOAK_URL=… node scripts/soak.js`):
 * identity names are unique since issue 13, so each run seeds its own names (a random
 * suffix). Before: the second run failed its seeding with CONFLICT on `soak-0`.
 */
jest.setTimeout(120_000);

describe('soak against a live server, twice', () => {
  let dataDir: string;
  let server: RunningServer;
  afterAll(async () => {
    await server?.close();
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  test('the second run seeds and runs like the first', async () => {
    dataDir = tempDir('siamese-soak-rerun-');
    const token = 'soak-rerun-admin-token-0123456789';
    server = await startTestServer({ dataDir, modelDir: (await tinyModelOnce()).modelDir, adminToken: token });
    const once = () => runSoak({ url: server.url, token, seconds: 1, concurrency: 2, identities: 2 });
    const first = await once();
    const second = await once();
    for (const r of [first, second])
      expect({ failed: r.failed, failures: r.failures, http5xx: r.http5xx }).toEqual({ failed: 0, failures: [], http5xx: 0 });
    // Both runs' identities are there: 2 + 2, each with its 2 seeded images plus what the run enrolled.
    expect(second.start.indexedVectors).toBe(first.end.indexedVectors + 2 * 2);
  });
});

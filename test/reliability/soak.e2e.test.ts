import type { ChildProcess } from 'child_process';
import * as fs from 'fs';
import { tinyModelOnce } from '../fixtures/tiny-model-once';
import { tempDir } from '../e2e/harness';
import { serverEnv, startChildServer } from './child-server';
import { formatSoak, runSoak } from './soak-load';

/**
 * Issue 7, load: the short CI soak. The real server in its own process,
 * 32 closed-loop clients of mixed verify / searchSimilar / enroll for
 * SOAK_SECONDS (default 20): zero 5xx, zero failed requests, no tensor
 * leaked, RSS reported. The long run is `node scripts/soak.js` (README).
 */
const SECONDS = Number(process.env.SOAK_SECONDS ?? 20);
jest.setTimeout(60_000 + SECONDS * 1000);

describe('issue 7: soak (CI variant)', () => {
  let dataDir: string;
  let child: ChildProcess | undefined;
  afterAll(() => {
    child?.kill('SIGKILL');
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it(`serves mixed load at concurrency 32 for ${SECONDS} s without an error or a leak`, async () => {
    dataDir = tempDir('siamese-soak-');
    const { modelDir } = await tinyModelOnce();
    const token = 'soak-admin-token-0123456789abcdef';
    // wasm: the backend the server uses by default when tfjs-node is absent (cpu is several times slower).
    const started = await startChildServer(serverEnv(dataDir, modelDir, token, { SIAMESE_BACKEND: 'wasm' }));
    child = started.child;
    const r = await runSoak({ url: started.url, token, seconds: SECONDS, concurrency: 32 });
    console.log(formatSoak(r));
    // Closed loop: on a busy 2-core CI box a few requests per client is all 20 s may give.
    expect(r.requests).toBeGreaterThanOrEqual(32);
    expect(r.byKind.enroll).toBeGreaterThan(0);
    expect({ http5xx: r.http5xx, failed: r.failed, failures: r.failures }).toEqual({ http5xx: 0, failed: 0, failures: [] });
    // Every tensor made for a request is disposed: the count is back where it started.
    expect(r.end.numTensors).toBe(r.start.numTensors);
    expect(r.end.indexedVectors).toBe(r.start.indexedVectors + r.byKind.enroll);
    // RSS: under 32 concurrent decodes the allocator, libvips and the wasm heap grow to a plateau
    // (~+200 MiB within the first minute, then flat over 4 minutes in scripts/soak.js), so this
    // only catches a gross leak; the figures are printed above.
    expect(r.end.rssBytes - r.start.rssBytes).toBeLessThan(512 * 2 ** 20);
  });
});

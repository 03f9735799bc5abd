import * as fs from 'fs';
import type { RunningServer } from '../../src/main';
import { tinyModelOnce } from '../fixtures/tiny-model-once';
import { syntheticImage } from '../fixtures/synthetic-images';
import { codes, gql, type GqlResponse } from '../e2e/http-client';
import { startTestServer, tempDir } from '../e2e/harness';
import { serverEnv, startChildServer } from './child-server';

/**
 * Issue 13, CPU-heavy images, over real HTTP with the tiny model: while the
 * decode budget is taken and its queue is full, further image requests are
 * answered SERVER_BUSY (with retryAfterMs) at once instead of piling up, and
 * /healthz keeps answering (with the queue's counters). Then the queued job
 * runs, and nothing stays taken. SVG is refused by default (UNSUPPORTED_IMAGE).
 *
 * The slow job is an SVG of nested <use> (allowed on the second server only),
 * which keeps librsvg busy for seconds: the test waits on the server's own
 * counters, never on a clock.
 */
jest.setTimeout(120_000);

const SEARCH = `query($image: ImageInput!) { searchSimilar(image: $image, k: 1) { distance } }`;
const XLINK = 'xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink"';

function nestedUseSvg(levels: number, fan = 10): Buffer {
  let s = `<svg ${XLINK} width="256" height="256"><defs><rect id="l0" width="1" height="1" fill="#000"/>`;
  for (let i = 1; i <= levels; i++) {
    s += `<g id="l${i}">`;
    for (let j = 0; j < fan; j++) s += `<use xlink:href="#l${i - 1}" x="${j}" y="${j}"/>`;
    s += '</g>';
  }
  return Buffer.from(`${s}</defs><use xlink:href="#l${levels}"/></svg>`);
}

interface QueueFacts {
  runningJobs: number;
  queuedJobs: number;
  runningUnits: number;
  queuedUnits: number;
  shed: number;
}

async function healthz(url: string): Promise<{ status: string; numTensors?: number; decodeQueue?: QueueFacts }> {
  const res = await fetch(url.replace(/\/graphql$/, '/healthz'));
  expect(res.status).toBe(200);
  return (await res.json()) as { status: string; numTensors?: number; decodeQueue?: QueueFacts };
}

/** Polls /healthz until `ok` holds (fails after 20 s: the state never came). */
async function until(url: string, what: string, ok: (q: QueueFacts) => boolean): Promise<QueueFacts> {
  const deadline = Date.now() + 20_000;
  for (;;) {
    const h = await healthz(url);
    if (h.decodeQueue && ok(h.decodeQueue)) return h.decodeQueue;
    if (Date.now() > deadline) throw new Error(`/healthz never showed ${what}: ${JSON.stringify(h)}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

const b64 = (b: Uint8Array) => Buffer.from(b).toString('base64');
const search = (url: string, bytes: Uint8Array) => gql(url, SEARCH, { image: { base64: b64(bytes) } });

describe('issue 13: heavy images cannot stall the server', () => {
  const dirs: string[] = [];
  const servers: RunningServer[] = [];

  afterAll(async () => {
    for (const s of servers) await s.close();
    for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
  });

  async function start(env: Record<string, string>): Promise<string> {
    const dataDir = tempDir('siamese-heavy-');
    dirs.push(dataDir);
    const model = await tinyModelOnce();
    const s = await startTestServer({ dataDir, modelDir: model.modelDir, env });
    servers.push(s);
    return s.url;
  }

  test('SVG is UNSUPPORTED_IMAGE by default, named by its argument, and nothing is queued for it', async () => {
    const url = await start({});
    const r = await search(url, nestedUseSvg(5));
    expect(codes(r)).toEqual(['UNSUPPORTED_IMAGE']);
    expect(r.errors?.[0].message).toMatch(/^image: SVG images are not accepted/);
    expect((await healthz(url)).decodeQueue).toMatchObject({ runningJobs: 0, queuedJobs: 0, shed: 0 });
    // An ordinary image still works.
    const ok = await search(url, await syntheticImage(3, 0));
    expect(ok.errors).toBeUndefined();
  });

  test('/healthz answers 200 with an embedding pool on wasm (the main thread has no tfjs backend then)', async () => {
    // The default shipped model runs this way (face stage → pool); /healthz used to answer 500 on every call.
    // Its own process: in this one, the other tests' servers have initialised a tfjs backend.
    const dataDir = tempDir('siamese-heavy-child-');
    dirs.push(dataDir);
    const model = await tinyModelOnce();
    const env = serverEnv(dataDir, model.modelDir, 'heavy-images-admin-token-0123456789', {
      SIAMESE_EMBEDDING_POOL_SIZE: '1',
      SIAMESE_BACKEND: 'wasm',
    });
    const { child, url } = await startChildServer(env);
    try {
      const h = await healthz(url);
      expect(h).toMatchObject({ status: 'ok', numTensors: 0, decodeQueue: { runningJobs: 0, queuedJobs: 0 } });
    } finally {
      child.kill('SIGKILL');
    }
  });

  test('with the budget taken and the queue full, extra requests get SERVER_BUSY at once while /healthz answers', async () => {
    // Budget 1 MP, queue 1 MP: one job runs, one waits, the rest are shed.
    const url = await start({
      SIAMESE_ALLOW_SVG: 'true',
      SIAMESE_DECODE_BUDGET_MP: '1',
      SIAMESE_DECODE_QUEUE_MP: '1',
      SIAMESE_DECODE_QUEUE_TIMEOUT_MS: '60000',
      SIAMESE_DECODE_TIMEOUT_MS: '0',
    });
    const png = await syntheticImage(4, 0);

    // 1. The slow job takes the whole budget (an allowed SVG weighs all of it).
    const slow = search(url, nestedUseSvg(6));
    await until(url, 'the SVG running', (q) => q.runningJobs === 1);
    // 2. One ordinary request waits in the queue.
    const queued = search(url, png);
    await until(url, 'one job queued', (q) => q.queuedJobs === 1);

    // 3. Everything else is refused at once with a retry hint, without waiting for the SVG.
    const extra: GqlResponse[] = await Promise.all(Array.from({ length: 6 }, () => search(url, png)));
    for (const r of extra) {
      expect(codes(r)).toEqual(['SERVER_BUSY']);
      // Round 2: a busy-only answer is HTTP 503 (with Retry-After), not 200 (refusal-status.plugin.ts).
      expect(r.status).toBe(503);
      expect(r.errors?.[0].extensions?.retryAfterMs).toEqual(expect.any(Number));
    }
    // ... answered while the SVG was still being drawn, and /healthz answers too.
    const during = await healthz(url);
    expect(during.status).toBe('ok');
    expect(during.decodeQueue).toMatchObject({ runningJobs: 1, queuedJobs: 1, shed: 6 });

    // 4. The SVG finishes (librsvg gives up on it or draws it), then the queued request is served.
    const slowAnswer = await slow;
    expect(codes(slowAnswer).filter((c) => c === 'SERVER_BUSY')).toEqual([]);
    const queuedAnswer = await queued;
    expect(queuedAnswer.errors).toBeUndefined();
    expect(Number.isFinite((queuedAnswer.data as { searchSimilar: Array<{ distance: number }> }).searchSimilar.length)).toBe(true);

    // 5. Nothing stays taken: the counters are back to idle and a new request is served.
    expect(await until(url, 'idle', (q) => q.runningJobs === 0 && q.queuedJobs === 0)).toMatchObject({ runningUnits: 0, queuedUnits: 0 });
    expect((await search(url, png)).errors).toBeUndefined();
  });
});

import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { loadConfig } from '../config';
import type * as MainModule from '../main';
import { loadBenchImages } from './bench-images';
import { runLoad, type LoadResult } from './load';
import type { HttpReport } from './report';
import { ratio } from './stats';

/**
 * verify and searchSimilar over real HTTP: the server of src/main.ts on an
 * ephemeral port with a fresh SQLite database in a temp directory (never the
 * user's DATABASE_URL), the default model, and an embedding pool of
 * `instances` workers. 40 ORL subjects are enrolled with one image each
 * through the admin mutations; requests send base64 105×105 PNGs (the size
 * the issue states its latency target for). Closed-loop load at concurrency 1
 * and 16; latencies are per request, requests/s over the wall time.
 */
export interface HttpBenchOptions {
  modelDir: string | undefined;
  orlDir: string;
  cwd: string;
  instances: number;
  requestsC1: number;
  requestsC16: number;
}

const VERIFY = 'query V($a: ImageInput!, $b: ImageInput!) { verify(a: $a, b: $b) { match distance } }';
const SEARCH = 'query S($i: ImageInput!) { searchSimilar(image: $i, k: 5) { distance match } }';

export async function measureHttp(o: HttpBenchOptions, log: (m: string) => void): Promise<HttpReport> {
  const unavailable = (reason: string): HttpReport => ({ available: false, reason, verifyP50Ms: null, verifyP99Ms: null });
  if (!o.modelDir) return unavailable('server not available: no default model (models/*orl*) to serve');
  let main: typeof MainModule;
  try {
    // Lazy: Apollo, Prisma and the embedding stack load only when this part runs.
    // type-graphql needs the metadata polyfill before any decorated class loads.
    /* eslint-disable @typescript-eslint/no-require-imports */
    require('reflect-metadata');
    main = require('../main') as typeof MainModule;
    /* eslint-enable @typescript-eslint/no-require-imports */
  } catch (e) {
    return unavailable(`server not available: ${(e as Error).message.split('\n')[0]}`);
  }
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'siamese-bench-http-'));
  const token = randomBytes(16).toString('hex');
  const config = loadConfig(
    {
      NODE_ENV: 'production',
      HOST: '127.0.0.1',
      PORT: '0',
      SIAMESE_DATA_DIR: dataDir,
      SIAMESE_MODEL: o.modelDir,
      SIAMESE_ADMIN_TOKEN: token,
      SIAMESE_LOG_LEVEL: 'silent',
      SIAMESE_BACKEND: 'wasm',
      SIAMESE_EMBEDDING_POOL_SIZE: String(o.instances),
    },
    o.cwd,
  );
  const server = await main.startServer(config);
  try {
    const post = async (query: string, variables: Record<string, unknown>, admin = false) => {
      const res = await fetch(server.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...(admin ? { authorization: `Bearer ${token}` } : {}) },
        body: JSON.stringify({ query, variables }),
      });
      const body = (await res.json()) as { data?: Record<string, unknown>; errors?: { message: string; extensions?: { code?: string } }[] };
      if (body.errors?.length) throw new Error(`${body.errors[0].extensions?.code ?? 'ERROR'}: ${body.errors[0].message}`);
      if (!res.ok) throw new Error(`HTTP ${res.status}`);
      return body.data!;
    };
    const { images, subjects, source } = await loadBenchImages(o.orlDir, { perSubject: 2, size: { width: 105, height: 105 } });
    const b64 = images.map((b) => b.toString('base64'));
    // Enroll the first image of each subject; query with the second.
    let enrolled = 0;
    for (let i = 0; i < images.length; i += 2) {
      const created = (await post('mutation C($n: String!) { createIdentity(name: $n) { id } }', { n: `bench-s${subjects[i]}-${i}` }, true)) as {
        createIdentity: { id: string };
      };
      await post(
        'mutation E($id: ID!, $imgs: [ImageInput!]!) { enrollImages(identityId: $id, images: $imgs) { id } }',
        { id: created.createIdentity.id, imgs: [{ base64: b64[i] }] },
        true,
      );
      enrolled++;
    }
    log(`http: ${enrolled} identities enrolled (${source}), server ${server.url}, pool ${o.instances}`);
    const pairs = images.length;
    const verify = (i: number) => post(VERIFY, { a: { base64: b64[i % pairs] }, b: { base64: b64[(i + 1) % pairs] } }).then(() => undefined);
    const search = (i: number) => post(SEARCH, { i: { base64: b64[(2 * i + 1) % pairs] } }).then(() => undefined);
    await runLoad(verify, 2, 16); // warm-up: JIT, pool workers, connection
    const runs: Record<string, LoadResult> = {};
    for (const [name, fn] of [['verify', verify], ['searchSimilar', search]] as const) {
      for (const [c, n] of [[1, o.requestsC1], [16, o.requestsC16]] as const) {
        const r = await runLoad(fn, c, n);
        runs[`${name} c=${c}`] = r;
        log(`http: ${name} c=${c}: ${r.requestsPerSec.toFixed(1)} req/s, p50 ${r.latency?.p50Ms.toFixed(1)} ms, p99 ${r.latency?.p99Ms.toFixed(1)} ms${r.errors ? `, ${r.errors} errors (${r.firstError})` : ''}`);
      }
    }
    const v1 = runs['verify c=1'];
    const s1 = runs['searchSimilar c=1'];
    return {
      available: true,
      model: o.modelDir,
      poolSize: o.instances,
      imageSource: source,
      verifyP50Ms: v1.latency?.p50Ms ?? null,
      verifyP99Ms: v1.latency?.p99Ms ?? null,
      searchP50Ms: s1.latency?.p50Ms ?? null,
      searchP99Ms: s1.latency?.p99Ms ?? null,
      enrolled,
      runs,
      verifyRpsRatio16to1: ratio(runs['verify c=16'].requestsPerSec, v1.requestsPerSec),
    };
  } finally {
    await server.close();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

import { randomBytes } from 'crypto';
import { syntheticImage } from '../fixtures/synthetic-images';

/**
 * Closed-loop mixed load for the soak (issue 7): `concurrency` clients, each
 * sending its next request as soon as the last one answered, for `seconds`.
 * Mix: verify (45 %), searchSimilar (45 %), enrollImages of one image (10 %), interleaved.
 * Plain fetch over loopback (no autocannon). Shared by the CI test and
 * `scripts/soak.js`.
 */
export interface SoakOptions {
  url: string;
  token: string;
  seconds: number;
  concurrency: number;
  /** Identities enrolled before the load (2 images each). */
  identities?: number;
  log?: (line: string) => void;
}

export interface Health {
  rssBytes: number;
  numTensors: number;
  indexedVectors: number;
}

export interface SoakReport {
  seconds: number;
  concurrency: number;
  requests: number;
  byKind: Record<'verify' | 'search' | 'enroll', number>;
  http5xx: number;
  /** Network failures, non-2xx answers and GraphQL errors. */
  failed: number;
  failures: string[];
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  requestsPerSec: number;
  start: Health;
  end: Health;
}

const VERIFY = `query($a: ImageInput!, $b: ImageInput!) { verify(a: $a, b: $b) { match distance } }`;
const SEARCH = `query($i: ImageInput!) { searchSimilar(image: $i, k: 5) { identity { id } distance match } }`;
const ENROLL = `mutation($id: ID!, $images: [ImageInput!]!) { enrollImages(identityId: $id, images: $images) { id } }`;
const CREATE = `mutation($n: String!) { createIdentity(name: $n) { id } }`;

async function post(
  url: string,
  query: string,
  variables: unknown,
  token?: string,
): Promise<{ status: number; body: { data?: any; errors?: Array<{ message: string; extensions?: { code?: string } }> } }> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify({ query, variables }),
  });
  return { status: res.status, body: (await res.json()) as never };
}

export async function health(url: string): Promise<Health> {
  const h = (await (await fetch(url.replace(/\/graphql$/, '/healthz'))).json()) as Health;
  return { rssBytes: h.rssBytes, numTensors: h.numTensors, indexedVectors: h.indexedVectors };
}

/** A random suffix naming one soak run's identities (8 hex characters). */
export function soakRunSuffix(): string {
  return randomBytes(4).toString('hex');
}

/** p-th percentile (nearest rank) of sorted values. */
export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}

export async function runSoak(o: SoakOptions): Promise<SoakReport> {
  const n = o.identities ?? 16;
  const log = o.log ?? (() => undefined);
  // Images: 4 shots of each identity (2 enrolled, 2 used as queries), base64 once.
  const images: string[][] = await Promise.all(
    Array.from({ length: n }, (_, i) => Promise.all([0, 1, 2, 3].map(async (s) => (await syntheticImage(200 + i, s)).toString('base64')))),
  );
  const ids: string[] = [];
  // Names are unique (issue 13): a run-specific suffix lets the soak run again against the same live server (SOAK_URL).
  const run = soakRunSuffix();
  for (let i = 0; i < n; i++) {
    const c = await post(o.url, CREATE, { n: `soak-${run}-${i}` }, o.token);
    if (c.body.errors) throw new Error(`seeding failed: ${JSON.stringify(c.body.errors)}`);
    ids.push(c.body.data.createIdentity.id);
    const e = await post(o.url, ENROLL, { id: ids[i], images: [{ base64: images[i][0] }, { base64: images[i][1] }] }, o.token);
    if (e.body.errors) throw new Error(`seeding failed: ${JSON.stringify(e.body.errors)}`);
  }
  // Warm-up so first-call allocations (kernels, pools) are not counted as drift.
  for (let i = 0; i < 20; i++) await post(o.url, VERIFY, { a: { base64: images[i % n][2] }, b: { base64: images[(i + 1) % n][3] } });
  const start = await health(o.url);
  log(`soak: start rss ${(start.rssBytes / 2 ** 20).toFixed(1)} MiB, tensors ${start.numTensors}, vectors ${start.indexedVectors}`);

  const latencies: number[] = [];
  const byKind = { verify: 0, search: 0, enroll: 0 };
  const failures: string[] = [];
  let http5xx = 0;
  let failed = 0;
  const pick = <T>(xs: T[]) => xs[Math.floor(Math.random() * xs.length)];
  const t0 = Date.now();
  const deadline = t0 + o.seconds * 1000;
  let lastLog = t0;
  let issued = 0;

  async function client(): Promise<void> {
    while (Date.now() < deadline) {
      // Deterministic mix (every 10th request enrolls), so even a short run on a slow machine has all three.
      const slot = issued++ % 20;
      const kind = slot === 9 || slot === 19 ? 'enroll' : slot % 2 === 0 ? 'verify' : 'search';
      const i = Math.floor(Math.random() * n);
      const began = performance.now();
      try {
        const res =
          kind === 'verify'
            ? await post(o.url, VERIFY, { a: { base64: pick(images[i]) }, b: { base64: pick(pick(images)) } })
            : kind === 'search'
              ? await post(o.url, SEARCH, { i: { base64: images[i][2 + (i & 1)] } })
              : await post(o.url, ENROLL, { id: ids[i], images: [{ base64: pick(images[i]) }] }, o.token);
        latencies.push(performance.now() - began);
        byKind[kind]++;
        if (res.status >= 500) http5xx++;
        if (res.status !== 200 || res.body.errors) {
          failed++;
          if (failures.length < 10) failures.push(`${kind}: ${res.status} ${JSON.stringify(res.body.errors ?? res.body).slice(0, 300)}`);
        }
      } catch (e) {
        failed++;
        if (failures.length < 10) failures.push(`${kind}: ${(e as Error).message}`);
      }
      if (Date.now() - lastLog > 10_000) {
        lastLog = Date.now();
        // RSS over time tells a plateau (allocator, caches) from a leak (grows with requests).
        const h = await health(o.url).catch(() => undefined);
        const mem = h ? `, server RSS ${(h.rssBytes / 2 ** 20).toFixed(0)} MiB, tensors ${h.numTensors}` : '';
        log(`soak: ${((lastLog - t0) / 1000).toFixed(0)} s, ${latencies.length} requests, ${failed} failed${mem}`);
      }
    }
  }
  await Promise.all(Array.from({ length: o.concurrency }, client));
  const elapsed = (Date.now() - t0) / 1000;
  await new Promise((r) => setTimeout(r, 300)); // let debounced index saves finish
  const end = await health(o.url);
  const sorted = latencies.slice().sort((a, b) => a - b);
  return {
    seconds: elapsed,
    concurrency: o.concurrency,
    requests: latencies.length,
    byKind,
    http5xx,
    failed,
    failures,
    p50Ms: percentile(sorted, 50),
    p99Ms: percentile(sorted, 99),
    maxMs: sorted[sorted.length - 1] ?? NaN,
    requestsPerSec: latencies.length / elapsed,
    start,
    end,
  };
}

export function formatSoak(r: SoakReport): string {
  const mb = (b: number) => (b / 2 ** 20).toFixed(1);
  return [
    `soak: ${r.requests} requests in ${r.seconds.toFixed(1)} s at concurrency ${r.concurrency} (${r.requestsPerSec.toFixed(0)} req/s; verify ${r.byKind.verify}, search ${r.byKind.search}, enroll ${r.byKind.enroll})`,
    `  5xx: ${r.http5xx}, failed: ${r.failed}`,
    `  latency p50 ${r.p50Ms.toFixed(1)} ms, p99 ${r.p99Ms.toFixed(1)} ms, max ${r.maxMs.toFixed(1)} ms`,
    `  server RSS ${mb(r.start.rssBytes)} → ${mb(r.end.rssBytes)} MiB (${r.end.rssBytes >= r.start.rssBytes ? '+' : ''}${mb(r.end.rssBytes - r.start.rssBytes)}), ` +
      `tf tensors ${r.start.numTensors} → ${r.end.numTensors}, indexed vectors ${r.start.indexedVectors} → ${r.end.indexedVectors}`,
    ...r.failures.map((f) => `  failure: ${f}`),
  ].join('\n');
}

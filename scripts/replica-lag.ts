/**
 * Issue 18 measurements (docs/replication.md):
 *
 *   TEST_DATABASE_URL_PG=postgresql://… node test/retraining/fixtures/ts-run.js scripts/replica-lag.ts \
 *     [--enrollments 1000] [--seconds 10] [--concurrency 8] [--poll-ms 5000] [--by-id]
 *
 * Starts three replicas (own processes and data directories, the tiny test model, CPU backend)
 * on a fresh schema of the PostgreSQL database, then
 *
 * 1. Visibility lag: `--enrollments` times, enrolls one new image (its own identity) on A and,
 *    from the moment A answered, asks B `searchSimilar(image: {imageId}, k: 1)` back to back
 *    until B's index returns that identity (the image itself, distance 0). Lag = first right
 *    answer - A's answer. Resolution: one search round trip (its median is printed too).
 * 2. searchSimilar throughput with 1, 2 and 3 replicas: `--concurrency` closed-loop clients,
 *    round-robin over the replicas, each query a 64×64 PNG sent as base64 (embedded by the
 *    replica that takes it), for `--seconds` each.
 *
 * Prints one JSON object. Numbers depend on the machine (cores shared by all replicas here).
 */
import * as fs from 'fs';
import * as os from 'os';
import { pgTestDatabase } from '../test/db/db-targets';
import { tinyModelOnce } from '../test/fixtures/tiny-model-once';
import { syntheticImage } from '../test/fixtures/synthetic-images';
import { gql } from '../test/e2e/http-client';
import { TOKEN, killReplica, replicaDataDir, startReplica, type Replica } from '../test/replication/replica-cluster';

const CREATE = `mutation($name: String!) { createIdentity(name: $name) { id } }`;
const ENROLL = `mutation($id: ID!, $images: [ImageInput!]!) { enrollImages(identityId: $id, images: $images) { id } }`;
const SEARCH = `query($image: ImageInput!) { searchSimilar(image: $image, k: 1) { identity { id } } }`;

function arg(argv: string[], name: string, fallback: number): number {
  const at = argv.indexOf(`--${name}`);
  return at >= 0 ? Number(argv[at + 1]) : fallback;
}

const pct = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
const summary = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return { n: s.length, p50: round(pct(s, 50)), p90: round(pct(s, 90)), p99: round(pct(s, 99)), max: round(s[s.length - 1]) };
};
const round = (x: number) => Math.round(x * 100) / 100;

async function call(url: string, query: string, variables: Record<string, unknown>): Promise<any> {
  const r = await gql(url, query, variables, { token: TOKEN });
  if (r.errors) throw new Error(JSON.stringify(r.errors));
  return r.data;
}

export async function main(argv: string[]): Promise<number> {
  const enrollments = arg(argv, 'enrollments', 1000);
  const seconds = arg(argv, 'seconds', 10);
  const concurrency = arg(argv, 'concurrency', 8);
  const pollMs = arg(argv, 'poll-ms', 5000);
  // --by-id: query with an enrolled image's id (its vector read from the database, no embedding): the index path alone.
  const byId = argv.includes('--by-id');
  const { modelDir } = await tinyModelOnce();
  const db = pgTestDatabase();
  const replicas: Replica[] = [];
  try {
    const options = { databaseUrl: db.url, modelDir, env: { SIAMESE_FEED_POLL_MS: String(pollMs) } };
    replicas.push(await startReplica('a', replicaDataDir('a'), options));
    replicas.push(...(await Promise.all(['b', 'c'].map((n) => startReplica(n, replicaDataDir(n), options)))));
    const [a, b] = replicas;

    // 1. Visibility lag of an enrollment on another replica.
    const lags: number[] = [];
    const roundTrips: number[] = [];
    const polls: number[] = [];
    for (let i = 0; i < enrollments; i++) {
      const id = (await call(a.url, CREATE, { name: `lag-${i}` })).createIdentity.id;
      const png = (await syntheticImage(1000 + i, 0)).toString('base64');
      const imageId = (await call(a.url, ENROLL, { id, images: [{ base64: png }] })).enrollImages[0].id;
      const acked = performance.now();
      for (let n = 1; ; n++) {
        const t = performance.now();
        const hit = (await call(b.url, SEARCH, { image: { imageId } })).searchSimilar[0]?.identity.id;
        roundTrips.push(performance.now() - t);
        if (hit === id) {
          lags.push(performance.now() - acked);
          polls.push(n);
          break;
        }
        if (performance.now() - acked > 30_000) throw new Error(`enrollment ${i} not visible on B after 30 s`);
      }
    }

    // 2. searchSimilar throughput over 1, 2, 3 replicas.
    const ids: string[] = [];
    if (byId) {
      for (let i = 0; i < 16; i++) {
        const id = (await call(a.url, CREATE, { name: `q-${i}` })).createIdentity.id;
        const png = (await syntheticImage(5000 + i, 0)).toString('base64');
        ids.push((await call(a.url, ENROLL, { id, images: [{ base64: png }] })).enrollImages[0].id);
      }
    }
    const queries = await Promise.all(
      Array.from({ length: 16 }, async (_, i) =>
        JSON.stringify({
          query: SEARCH,
          variables: { image: byId ? { imageId: ids[i] } : { base64: (await syntheticImage(1000 + i, 1)).toString('base64') } },
        }),
      ),
    );
    const throughput: Array<{
      replicas: number;
      requests: number;
      perSecond: number;
      errors: number;
      latencyMs: ReturnType<typeof summary>;
    }> = [];
    for (const n of [1, 2, 3]) {
      const urls = replicas.slice(0, n).map((r) => r.url);
      const latencies: number[] = [];
      let errors = 0;
      let next = 0;
      const end = performance.now() + seconds * 1000;
      await Promise.all(
        Array.from({ length: concurrency }, async () => {
          while (performance.now() < end) {
            const k = next++;
            const t = performance.now();
            const res = await fetch(urls[k % urls.length], {
              method: 'POST',
              // imageId inputs need role read (issue 13): the admin token.
              headers: { 'content-type': 'application/json', ...(byId ? { authorization: `Bearer ${TOKEN}` } : {}) },
              body: queries[k % queries.length],
            });
            const body = (await res.json()) as { errors?: unknown };
            if (res.status !== 200 || body.errors) errors++;
            latencies.push(performance.now() - t);
          }
        }),
      );
      throughput.push({
        replicas: n,
        requests: latencies.length,
        perSecond: round(latencies.length / seconds),
        errors,
        latencyMs: summary(latencies),
      });
    }

    console.log(
      JSON.stringify(
        {
          machine: { cpus: os.cpus().length, model: os.cpus()[0]?.model, node: process.version },
          feedPollMs: pollMs,
          ...(enrollments > 0
            ? { visibilityLagMs: summary(lags), searchRoundTripMs: summary(roundTrips), searchesUntilVisible: summary(polls) }
            : {}),
          throughput: { seconds, concurrency, query: byId ? 'imageId (no embedding)' : 'base64 64x64 PNG', runs: throughput },
        },
        null,
        2,
      ),
    );
    return 0;
  } finally {
    await Promise.all(replicas.map((r) => killReplica(r)));
    for (const r of replicas) fs.rmSync(r.dataDir, { recursive: true, force: true });
    await db.dispose();
  }
}

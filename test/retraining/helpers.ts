import { createClient, type Client } from 'graphql-ws';
import WebSocket from 'ws';
import { gql } from '../e2e/http-client';
import { syntheticImage } from '../fixtures/synthetic-images';

/** GraphQL operations and small helpers shared by the retraining end-to-end tests. */
export const TOKEN = 'retrain-admin-token-0123456789';

export const CREATE = `mutation($name: String!) { createIdentity(name: $name) { id } }`;
export const ENROLL = `mutation($id: ID!, $images: [ImageInput!]!) { enrollImages(identityId: $id, images: $images) { id } }`;
// Identity ids only: names need role read since issue 13, and these searches run as anonymous clients.
export const SEARCH = `query($image: ImageInput!, $k: Int) { searchSimilar(image: $image, k: $k) { identity { id } distance match } }`;
export const VERIFY = `query($a: ImageInput!, $b: ImageInput!) { verify(a: $a, b: $b) { match distance modelVersion } }`;
export const MODEL = `{ model { version indexedVectors } }`;
export const LABEL = `mutation($a: ImageInput!, $b: ImageInput!, $same: Boolean!) {
  labelPair(a: $a, b: $b, same: $same) { id same weight source correction modelDistance modelVersion imageAId imageBId } }`;
const RUN_FIELDS = `id status error baseModelVersion modelVersion promoted options
  progress { phase step total loss pairsPerSec etaSeconds embedded toEmbed }
  metrics { heldOut { disjoint identities images positivePairs negativePairs }
    old { version auc eer accuracy labelledPairAccuracy } new { version auc eer accuracy labelledPairAccuracy }
    labelledPairs trainingImages trainingIdentities promoted decision wallTimeSec }
  createdAt startedAt finishedAt heartbeatAt`;
export const RETRAIN = `mutation($o: RetrainInput) { retrain(options: $o) { ${RUN_FIELDS} } }`;
export const RUN = `query($id: ID!) { trainingRun(id: $id) { ${RUN_FIELDS} } }`;
export const RUNS = `{ trainingRuns(first: 10) { items { id status } hasNextPage } }`;
export const CANCEL = `mutation($id: ID!) { cancelRetrain(id: $id) { id status error } }`;
export const ACTIVATE = `mutation($v: String!) { activateModel(version: $v) { version active } }`;
export const VERSIONS = `{ modelVersions { version active } }`;
export const PROGRESS_SUB = `subscription($id: ID!) { trainingProgress(runId: $id) { id status progress { phase step total } modelVersion error } }`;

export const b64 = async (identity: number, shot: number) => ({ base64: (await syntheticImage(identity, shot)).toString('base64') });

/** Creates identities `ids` with `shots` images each; returns identity id and image ids by synthetic id. */
export async function enroll(url: string, ids: number[], shots: number): Promise<Map<number, { id: string; images: string[] }>> {
  const out = new Map<number, { id: string; images: string[] }>();
  for (const n of ids) {
    const created = await gql(url, CREATE, { name: `person-${n}` }, { token: TOKEN });
    if (created.errors) throw new Error(JSON.stringify(created.errors));
    const images = await Promise.all(Array.from({ length: shots }, (_, s) => b64(n, s)));
    const res = await gql(url, ENROLL, { id: created.data.createIdentity.id, images }, { token: TOKEN });
    if (res.errors) throw new Error(JSON.stringify(res.errors));
    out.set(n, { id: created.data.createIdentity.id, images: res.data.enrollImages.map((i: { id: string }) => i.id) });
  }
  return out;
}

export async function getRun(url: string, id: string): Promise<any> {
  const r = await gql(url, RUN, { id }, { token: TOKEN });
  if (r.errors) throw new Error(JSON.stringify(r.errors));
  return r.data.trainingRun;
}

/** Polls trainingRun until `until(run)` holds (or the time runs out). */
export async function waitForRun(url: string, id: string, until: (run: any) => boolean, timeoutMs = 90_000, everyMs = 50): Promise<any> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const run = await getRun(url, id);
    if (until(run)) return run;
    if (Date.now() > deadline) throw new Error(`run ${id} did not reach the expected state; last: ${JSON.stringify(run)}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

export const isFinal = (run: { status: string }) => ['SUCCEEDED', 'FAILED', 'CANCELLED'].includes(run.status);

export function wsClient(httpUrl: string, token: string | undefined): Client {
  return createClient({
    url: httpUrl.replace(/^http/, 'ws'),
    webSocketImpl: WebSocket,
    connectionParams: token ? { Authorization: `Bearer ${token}` } : {},
    retryAttempts: 0,
    lazy: true,
  });
}

/** Collects every event of one subscription until it completes or errors. */
export function collect<T = any>(
  client: Client,
  query: string,
  variables: Record<string, unknown>,
): Promise<{ events: T[]; error?: unknown }> {
  return new Promise((resolve) => {
    const events: T[] = [];
    client.subscribe<T>(
      { query, variables },
      {
        next: (v) => {
          if (v.errors) resolve({ events, error: v.errors });
          else events.push(v.data as T);
        },
        error: (error) => resolve({ events, error }),
        complete: () => resolve({ events }),
      },
    );
  });
}

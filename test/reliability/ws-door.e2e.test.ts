import * as fs from 'fs';
import WebSocket from 'ws';
import type { RunningServer } from '../../src/main';
import { gql } from '../e2e/http-client';
import { startTestServer, tempDir } from '../e2e/harness';
import { pixelEmbedder } from '../fixtures/pixel-embedder';
import { tinyModelOnce } from '../fixtures/tiny-model-once';
import { PROGRESS_SUB, RETRAIN, TOKEN, collect, enroll, wsClient } from '../retraining/helpers';

/**
 * Issue 13, item 1: the WebSocket door (`ws://…/graphql`, graphql-ws) has the HTTP
 * door's rules. Real servers in production mode, spoken to with a raw `ws` client in
 * the graphql-transport-ws protocol (what any client can send, not what a polite
 * library would): queries and mutations are refused (subscriptions only), the depth
 * and cost limits, the per-client rate limit and connection bound, no introspection,
 * no field suggestions, coded errors through the HTTP formatter, a message size cap;
 * an admin's trainingProgress subscription still works.
 */
jest.setTimeout(240_000);

const PROD = { NODE_ENV: 'production' };

interface Frame {
  id?: string;
  type: string;
  payload?: any;
}

interface RawSocket {
  ws: WebSocket;
  /** Sends one subscribe message and resolves with the first `next` or `error` for it. */
  request(query: string, variables?: Record<string, unknown>): Promise<Frame>;
  closed: Promise<{ code: number; reason: string }>;
}

/** A graphql-transport-ws connection, acknowledged (connection_init → connection_ack). */
async function rawSocket(httpUrl: string, token?: string): Promise<RawSocket> {
  const ws = new WebSocket(httpUrl.replace(/^http/, 'ws'), 'graphql-transport-ws');
  const frames: Frame[] = [];
  const waiters: Array<() => void> = [];
  ws.on('message', (data) => {
    frames.push(JSON.parse(String(data)) as Frame);
    for (const w of waiters.splice(0)) w();
  });
  const closed = new Promise<{ code: number; reason: string }>((resolve) =>
    ws.once('close', (code, reason) => resolve({ code, reason: String(reason) })),
  );
  const next = (pred: (f: Frame) => boolean) =>
    new Promise<Frame>((resolve, reject) => {
      const check = () => {
        const f = frames.find(pred);
        if (f) return resolve(f);
        if (ws.readyState === WebSocket.CLOSED) return reject(new Error('socket closed'));
        waiters.push(check);
      };
      ws.once('close', () => waiters.includes(check) && reject(new Error('socket closed')));
      check();
    });
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', reject);
  });
  ws.send(JSON.stringify({ type: 'connection_init', payload: token ? { Authorization: `Bearer ${token}` } : {} }));
  await next((f) => f.type === 'connection_ack');
  let seq = 0;
  return {
    ws,
    closed,
    request(query, variables = {}) {
      const id = String(++seq);
      ws.send(JSON.stringify({ id, type: 'subscribe', payload: { query, variables } }));
      return next((f) => f.id === id && (f.type === 'next' || f.type === 'error'));
    },
  };
}

/** The errors of a subscribe answer, whichever way the server put them. */
function errorsOf(f: Frame): Array<{ message: string; extensions?: Record<string, unknown> }> {
  if (f.type === 'error') return f.payload;
  return f.payload?.errors ?? [];
}
const codesOf = (f: Frame) => errorsOf(f).map((e) => e.extensions?.code);

describe('issue 13: the WebSocket door has the HTTP rules', () => {
  const dirs: string[] = [];
  const servers: RunningServer[] = [];
  const sockets: WebSocket[] = [];
  const dir = () => {
    const d = tempDir('siamese-ws-door-');
    dirs.push(d);
    return d;
  };
  async function serve(env: Record<string, string>, opts: { tiny?: boolean } = {}): Promise<RunningServer> {
    const dataDir = dir();
    const modelDir = opts.tiny ? (await tinyModelOnce()).modelDir : undefined;
    const s = await startTestServer({
      dataDir,
      adminToken: TOKEN,
      modelDir,
      embedder: opts.tiny ? undefined : pixelEmbedder(),
      env: { ...PROD, ...env },
    });
    servers.push(s);
    return s;
  }
  async function socket(url: string, token?: string): Promise<RawSocket> {
    const s = await rawSocket(url, token);
    sockets.push(s.ws);
    return s;
  }

  afterEach(async () => {
    for (const ws of sockets.splice(0)) ws.terminate();
    for (const s of servers.splice(0)) await s.close();
    for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
  });

  it('refuses queries and mutations (OPERATION_NOT_SUPPORTED), so none of the HTTP-refused work runs', async () => {
    const { url } = await serve({});
    const people = await enroll(url, [1, 2], 1);
    const [a, b] = [people.get(1)!.images[0], people.get(2)!.images[0]];
    const anon = await socket(url);
    const admin = await socket(url, TOKEN);

    // 60 aliased verifies: over HTTP a rate-limited, costed query; here it must not run at all.
    const aliased = `query { ${Array.from({ length: 60 }, (_, i) => `v${i}: verify(a: { imageId: "${a}" }, b: { imageId: "${b}" }) { match }`).join(' ')} }`;
    const verifies = await anon.request(aliased);
    expect(verifies.type).toBe('error');
    expect(codesOf(verifies)).toEqual(['OPERATION_NOT_SUPPORTED']);
    expect(errorsOf(verifies)[0].message).toMatch(/HTTP POST \/graphql/);

    // The HTTP door refuses this one as too costly (8 aliased pages of 100 identities, cost > 5000).
    const costly = `{ ${Array.from({ length: 8 }, (_, i) => `p${i}: identities(first: 100) { edges { node { id name imageCount images { id } } } }`).join(' ')} }`;
    const overHttp = await gql(url, costly);
    expect(overHttp.errors?.[0].extensions?.code).toBe('QUERY_TOO_COMPLEX');
    expect(codesOf(await anon.request(costly))).toEqual(['OPERATION_NOT_SUPPORTED']);

    // Introspection (off in production): a query, refused; never the schema.
    const intro = await anon.request(`{ __schema { types { name } } }`);
    expect(intro.type).toBe('error');
    expect(JSON.stringify(intro.payload)).not.toContain('TrainingRun');

    // A mutation, even with the admin token: refused, and nothing was created.
    const created = await admin.request(`mutation { createIdentity(name: "over-ws") { id } }`);
    expect(codesOf(created)).toEqual(['OPERATION_NOT_SUPPORTED']);
    const names = (await gql(url, `{ identities(first: 10) { edges { node { name } } } }`, {}, { token: TOKEN })).data.identities.edges.map(
      (e: any) => e.node.name,
    );
    expect(names).not.toContain('over-ws');
  });

  it('answers subscription errors with codes through the HTTP formatter: auth, validation without suggestions, parse', async () => {
    const { url } = await serve({});
    const anon = await socket(url);

    const unauth = await anon.request(`subscription { trainingProgress(runId: "x") { id status } }`);
    expect(codesOf(unauth)).toEqual(['UNAUTHENTICATED']);
    expect(JSON.stringify(unauth.payload)).not.toMatch(/prisma|invocation|stack/i);

    const typo = await anon.request(`subscription { trainingProgres(runId: "x") { id } }`);
    expect(codesOf(typo)).toEqual(['GRAPHQL_VALIDATION_FAILED']);
    expect(errorsOf(typo)[0].message).toMatch(/Cannot query field "trainingProgres"/);
    expect(errorsOf(typo)[0].message).not.toMatch(/Did you mean/);

    const broken = await anon.request(`subscription { trainingProgress(runId: `);
    expect(codesOf(broken)).toEqual(['GRAPHQL_PARSE_FAILED']);
    // The connection survives bad operations (a parse error used to close it with the parser's message).
    expect(anon.ws.readyState).toBe(WebSocket.OPEN);
  });

  it('applies the depth and cost limits to subscriptions (QUERY_TOO_COMPLEX)', async () => {
    const { url } = await serve({ SIAMESE_MAX_QUERY_DEPTH: '2', SIAMESE_MAX_QUERY_COST: '50' });
    const admin = await socket(url, TOKEN);
    const deep = await admin.request(`subscription { trainingProgress(runId: "x") { metrics { heldOut { images } } } }`);
    expect(codesOf(deep)).toEqual(['QUERY_TOO_COMPLEX']);
    const wide = await admin.request(
      `subscription { trainingProgress(runId: "x") { ${Array.from({ length: 60 }, (_, i) => `f${i}: id`).join(' ')} } }`,
    );
    expect(codesOf(wide)).toEqual(['QUERY_TOO_COMPLEX']);
    expect(errorsOf(wide)[0].message).toMatch(/exceeds the limit 50/);
    // Within the limits the same operation reaches the resolver (an unknown run: NOT_FOUND).
    expect(codesOf(await admin.request(`subscription { trainingProgress(runId: "x") { id } }`))).toEqual(['NOT_FOUND']);
  });

  it('rate-limits subscribe operations per client, in the HTTP bucket (RATE_LIMITED), and bounds connections per client (429)', async () => {
    const { url } = await serve({
      SIAMESE_RATE_LIMIT_PER_SEC: '1',
      SIAMESE_RATE_LIMIT_BURST: '3',
      SIAMESE_WS_MAX_CONNECTIONS_PER_CLIENT: '2',
    });
    const anon = await socket(url);
    const answers: Frame[] = [];
    for (let i = 0; i < 6; i++) answers.push(await anon.request(`subscription { trainingProgress(runId: "r${i}") { id } }`));
    const codes = answers.map((f) => codesOf(f)[0]);
    // A 3-token bucket refilled at 1/s: at most 3 + (elapsed seconds) pass; 6 in a row cannot all pass.
    expect(codes).toContain('RATE_LIMITED');
    expect(codes.filter((c) => c !== 'RATE_LIMITED').every((c) => c === 'UNAUTHENTICATED')).toBe(true);
    expect(errorsOf(answers[codes.indexOf('RATE_LIMITED')])[0].extensions).toMatchObject({ retryAfterSeconds: expect.any(Number) });

    // One budget per client across both doors: the drained bucket refuses an HTTP verify too.
    const img = { base64: Buffer.from('x').toString('base64') };
    expect((await gql(url, `query($a: ImageInput!) { verify(a: $a, b: $a) { match } }`, { a: img })).errors?.[0].extensions?.code).toBe(
      'RATE_LIMITED',
    );

    await socket(url); // the second connection of this client
    const third = new WebSocket(url.replace(/^http/, 'ws'), 'graphql-transport-ws');
    third.on('error', () => undefined); // the refused handshake also reports an error
    const status = await new Promise<number>((resolve) => {
      third.once('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
      third.once('open', () => resolve(101));
    });
    expect(status).toBe(429);
  });

  it('closes a connection that sends an oversized message (1009) and /healthz stays answered', async () => {
    const { url } = await serve({}, { tiny: true });
    const anon = await socket(url);
    const pad = `query { ${Array.from({ length: 400 }, (_, i) => `v${i}: verify(a: { imageId: "img-${i}" }, b: { imageId: "img-${i}" }) { match }`).join(' ')} }`;
    expect(Buffer.byteLength(pad)).toBeGreaterThan(20_000);
    const outcome = new Promise<string>((resolve) => {
      anon.ws.on('message', (d) => {
        const f = JSON.parse(String(d)) as Frame;
        if (f.id === 'big') resolve(`answered: ${f.type}`);
      });
      void anon.closed.then(({ code }) => resolve(`closed: ${code}`));
    });
    anon.ws.send(JSON.stringify({ id: 'big', type: 'subscribe', payload: { query: pad } }));
    expect(await outcome).toBe('closed: 1009');
    const health = await fetch(url.replace(/\/graphql$/, '/healthz'));
    expect(health.status).toBe(200);
  });

  it("still serves an admin's trainingProgress subscription to the end of a run", async () => {
    const { url } = await serve({}, { tiny: true });
    await enroll(url, [1, 2, 3, 4, 5, 6], 3);
    const started = await gql(url, RETRAIN, { o: { steps: 2, batchSize: 8, promote: 'NEVER', seed: 9 } }, { token: TOKEN });
    expect(started.errors).toBeUndefined();
    const client = wsClient(url, TOKEN);
    const { events, error } = await collect(client, PROGRESS_SUB, { id: started.data.retrain.id });
    await client.dispose();
    expect(error).toBeUndefined();
    expect(events.length).toBeGreaterThan(0);
    expect(events.every((e) => e.trainingProgress.id === started.data.retrain.id)).toBe(true);
    expect(events[events.length - 1].trainingProgress.status).toBe('SUCCEEDED');
  });
});

import * as fs from 'fs';
import WebSocket from 'ws';
import type { RunningServer } from '../../src/main';
import { codes, gql } from '../e2e/http-client';
import { startTestServer, tempDir } from '../e2e/harness';
import { tinyModelOnce } from '../fixtures/tiny-model-once';

/**
 * Issue 13 (round 2), item 4 of the loose ends: a GraphQL document nested deeper than 256
 * brackets, or longer than SIAMESE_MAX_QUERY_TOKENS, is refused with a coded parse error on
 * both doors, before graphql-js's recursive parser meets it. Before: a 10,000-deep literal
 * answered GRAPHQL_PARSE_FAILED with the message "Maximum call stack size exceeded" (a stack
 * overflow caught by Apollo), i.e. the server's stack was the limit.
 */
jest.setTimeout(120_000);

const TOKEN = 'document-limits-admin-token-0123456789';

/** One subscribe over a raw graphql-transport-ws connection; resolves with its first `next` or `error` frame. */
async function subscribeOnce(httpUrl: string, query: string): Promise<{ type: string; payload: any }> {
  const ws = new WebSocket(httpUrl.replace(/^http/, 'ws'), 'graphql-transport-ws');
  try {
    const frames: Array<{ id?: string; type: string; payload?: any }> = [];
    let wake: () => void = () => undefined;
    ws.on('message', (d) => {
      frames.push(JSON.parse(String(d)));
      wake();
    });
    const frame = (pred: (f: { id?: string; type: string }) => boolean) =>
      new Promise<{ type: string; payload: any }>((resolve, reject) => {
        const check = () => {
          const f = frames.find(pred);
          if (f) resolve(f as { type: string; payload: any });
        };
        wake = check;
        ws.once('close', (code) => reject(new Error(`socket closed ${code}`)));
        check();
      });
    await new Promise<void>((resolve, reject) => ws.once('open', () => resolve()).once('error', reject));
    ws.send(JSON.stringify({ type: 'connection_init', payload: {} }));
    await frame((f) => f.type === 'connection_ack');
    ws.send(JSON.stringify({ id: '1', type: 'subscribe', payload: { query } }));
    return await frame((f) => f.id === '1' && (f.type === 'next' || f.type === 'error'));
  } finally {
    ws.close();
  }
}

describe('issue 13 round 2: document nesting and token limits', () => {
  let dataDir: string;
  let server: RunningServer;
  let url: string;
  beforeAll(async () => {
    dataDir = tempDir('siamese-doc-limits-');
    server = await startTestServer({
      dataDir,
      modelDir: (await tinyModelOnce()).modelDir,
      adminToken: TOKEN,
      env: { NODE_ENV: 'production' },
    });
    url = server.url;
  });
  afterAll(async () => {
    await server?.close();
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  const expectNestingRefusal = (r: { status: number; errors?: Array<{ message: string; extensions?: Record<string, unknown> }> }) => {
    expect(r.status).toBe(400);
    expect(codes(r as never)).toEqual(['GRAPHQL_PARSE_FAILED']);
    expect(r.errors![0].message).toMatch(/nests brackets more than 256 levels/);
    expect(r.errors![0].extensions).toMatchObject({ maxNesting: 256 });
    expect(JSON.stringify(r.errors)).not.toMatch(/call stack|stacktrace/);
  };

  test('10,000-deep object literal, list literal and selection set over HTTP POST: 400 GRAPHQL_PARSE_FAILED naming the limit', async () => {
    const object = '{a:'.repeat(10_000) + '1' + '}'.repeat(10_000);
    expectNestingRefusal(await gql(url, `mutation { createIdentity(name: "lit", metadata: ${object}) { id } }`, {}, { token: TOKEN }));
    const list = '['.repeat(10_000) + '1' + ']'.repeat(10_000);
    expectNestingRefusal(await gql(url, `mutation { createIdentity(name: "lit", metadata: ${list}) { id } }`, {}, { token: TOKEN }));
    expectNestingRefusal(await gql(url, `{ ${'model {'.repeat(10_000)} version ${'}'.repeat(10_000)} }`));
    // Nothing was created.
    const ids = await gql(url, `{ identities(first: 10) { edges { node { id } } } }`, {}, { token: TOKEN });
    expect(ids.data).toEqual({ identities: { edges: [] } });
  });

  test('the same over GET /graphql (300 deep: a URL stays under the 16 KiB header limit of Node)', async () => {
    const res = await fetch(`${url}?query=${encodeURIComponent(`{ ${'model {'.repeat(300)} version ${'}'.repeat(300)} }`)}`, {
      headers: { 'apollo-require-preflight': 'true', accept: 'application/json' },
    });
    expectNestingRefusal({ status: res.status, ...((await res.json()) as object) });
  });

  test('over the token cap (10,000): 400 GRAPHQL_PARSE_FAILED; the ordinary limits still answer below it', async () => {
    const flat = await gql(url, `{ ${'model { version } '.repeat(2_600)} }`); // 5 tokens each: 13,002
    expect(flat.status).toBe(400);
    expect(codes(flat)).toEqual(['GRAPHQL_PARSE_FAILED']);
    expect(flat.errors![0].message).toMatch(/Document contains more tha[nt] 10000 tokens/);
    // 200 aliased searches (~3,600 tokens) still reach the cost limit, and depth 17 metadata (nesting ~20) the service.
    const aliases = Array.from({ length: 200 }, (_, i) => `a${i}: searchSimilar(image: { imageId: "x" }, k: 10) { distance }`).join(' ');
    expect(codes(await gql(url, `{ ${aliases} }`))).toEqual(['QUERY_TOO_COMPLEX']);
    const deep17 = '{a:'.repeat(16) + '{}' + '}'.repeat(16);
    const r = await gql(url, `mutation { createIdentity(name: "d17", metadata: ${deep17}) { id } }`, {}, { token: TOKEN });
    expect(codes(r)).toEqual(['BAD_USER_INPUT']);
    expect(r.errors![0].extensions).toMatchObject({ argument: 'metadata', limit: 16 });
  });

  test('over WebSocket: a 5,000-deep subscription document is the same coded refusal', async () => {
    // 10 KB: under the 16 KiB message cap, so it reaches the parser's door.
    const f = await subscribeOnce(url, `subscription { trainingProgress(runId: ${'['.repeat(5_000)}"x"${']'.repeat(5_000)}) { id } }`);
    expect(f.type).toBe('error');
    expect(f.payload.map((e: { extensions?: { code?: string } }) => e.extensions?.code)).toEqual(['GRAPHQL_PARSE_FAILED']);
    expect(f.payload[0].message).toMatch(/nests brackets more than 256 levels/);
  });
});

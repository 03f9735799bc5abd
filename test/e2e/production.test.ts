import * as fs from 'fs';
import type { RunningServer } from '../../src/main';
import { pixelEmbedder } from '../fixtures/pixel-embedder';
import { codes, gql } from './http-client';
import { startTestServer, tempDir } from './harness';

/** NODE_ENV=production: no GraphiQL, no introspection, no field suggestions, no stack traces. */
describe('production mode', () => {
  let dataDir: string;
  let server: RunningServer;

  beforeAll(async () => {
    dataDir = tempDir('siamese-prod-');
    server = await startTestServer({ dataDir, embedder: pixelEmbedder(), env: { NODE_ENV: 'production', SIAMESE_STACK_TRACES: 'true' } });
  });
  afterAll(async () => {
    await server.close();
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it('hides GraphiQL, introspection and suggestions', async () => {
    const page = await fetch(server.url, { headers: { accept: 'text/html' } });
    expect(await page.text()).not.toContain('GraphiQL');
    const intro = await gql(server.url, `{ __schema { queryType { name } } }`);
    expect(codes(intro)).toEqual(['GRAPHQL_VALIDATION_FAILED']);
    const typo = await gql(server.url, `{ modle { version } }`);
    expect(codes(typo)).toEqual(['GRAPHQL_VALIDATION_FAILED']);
    expect(typo.errors![0].message).not.toMatch(/Did you mean/);
  });

  it('never sends stack traces, even when asked to', async () => {
    const r = await gql(server.url, `{ searchSimilar(image: { base64: "bm9wZQ==" }) { distance } }`);
    expect(codes(r)).toEqual(['INVALID_IMAGE']);
    expect(JSON.stringify(r)).not.toMatch(/stacktrace|at .*\.ts:\d+/);
  });
});

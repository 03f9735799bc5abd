import * as fs from 'fs';
import { Kind, parse, print, type OperationDefinitionNode } from 'graphql';
import type { RunningServer } from '../../src/main';
import { tinyModelOnce } from '../fixtures/tiny-model-once';
import { tabsFromGraphiqlHtml } from '../server/graphiql-tabs';
import { gql } from './http-client';
import { startTestServer, tempDir } from './harness';

/**
 * Every GraphiQL example runs as written (issue 14): the page is fetched from a
 * real server as a browser does, and each operation of each tab is sent with
 * its tab's variables and headers. Only what the page cannot know is filled in:
 * the admin token in the Authorization header, and the identity id that
 * CreateIdentity answered. The test model has no face stage, so DetectFaces is
 * the one example that must answer BAD_USER_INPUT here (the README tour runs it
 * on the face model).
 */
const TOKEN = 'graphiql-examples-admin-token-0123';

let server: RunningServer;
let dataDir: string;

beforeAll(async () => {
  dataDir = tempDir('graphiql-examples-');
  const model = await tinyModelOnce();
  server = await startTestServer({ dataDir, adminToken: TOKEN, modelDir: model.modelDir });
}, 60_000);

afterAll(async () => {
  await server?.close();
  fs.rmSync(dataDir, { recursive: true, force: true });
});

test('each operation of each GraphiQL tab runs on a server with the variables and headers the tab carries', async () => {
  const page = await fetch(server.url, { headers: { accept: 'text/html' } });
  expect(page.status).toBe(200);
  const tabs = tabsFromGraphiqlHtml(await page.text());
  expect(tabs.length).toBeGreaterThanOrEqual(5);

  let createdId: string | undefined;
  const ran: Array<[string, string]> = [];
  for (const tab of tabs) {
    const variables = tab.variables ? (JSON.parse(tab.variables) as Record<string, unknown>) : {};
    const headers = tab.headers ? (JSON.parse(tab.headers) as Record<string, string>) : {};
    if (headers.Authorization) headers.Authorization = headers.Authorization.replace(/^Bearer .*$/, `Bearer ${TOKEN}`);
    const operations = parse(tab.query).definitions.filter((d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION);
    for (const op of operations) {
      const name = op.name!.value;
      const vars = 'identityId' in variables && createdId ? { ...variables, identityId: createdId } : variables;
      // One operation per request, as GraphiQL sends the one you pick.
      const res = await gql(server.url, print(op), vars, { headers });
      if (name === 'DetectFaces') {
        expect(res.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
        ran.push([name, 'BAD_USER_INPUT (no face stage)']);
        continue;
      }
      expect({ name, errors: res.errors }).toEqual({ name, errors: undefined });
      expect(res.data).toBeTruthy();
      if (name === 'CreateIdentity') createdId = res.data.createIdentity.id;
      ran.push([name, 'ok']);
    }
  }
  expect(Object.fromEntries(ran)).toEqual({
    Model: 'ok',
    Search: 'ok',
    Verify: 'ok',
    DetectFaces: 'BAD_USER_INPUT (no face stage)',
    CreateIdentity: 'ok',
    AddImage: 'ok',
    VerifyIdentity: 'ok',
    Identities: 'ok',
    Forget: 'ok',
  });
  // AddImage enrolled the example photo into the identity CreateIdentity made; Forget erased it.
  expect(createdId).toBeTruthy();
  expect(server.internals.active.current.index.size).toBe(0);
}, 120_000);

/**
 * Probe for docs/reliability/round2/access-model.md: every guarded operation/field as each caller,
 * printing a markdown table of outcomes (ok / error code). Runs unchanged on /tmp/base (where
 * API keys do not exist: those columns say "n/a").
 */
import * as fs from 'fs';
import { pixelEmbedder } from '../fixtures/pixel-embedder';
import { syntheticImage } from '../fixtures/synthetic-images';
import { gql } from '../e2e/http-client';
import { startTestServer, tempDir } from '../e2e/harness';

jest.setTimeout(120_000);
const TOKEN = 'probe-admin-token-0123456789abcdef';

it('prints the access table', async () => {
  const dataDir = tempDir('siamese-probe-');
  const server = await startTestServer({ dataDir, adminToken: TOKEN, embedder: pixelEmbedder() });
  const url = server.url;
  try {
    const b64 = async (i: number, s: number) => ({ base64: (await syntheticImage(i, s)).toString('base64') });
    const id = (await gql(url, `mutation { createIdentity(name: "alice", metadata: { email: "a@x" }) { id } }`, {}, { token: TOKEN })).data.createIdentity.id;
    const img = (await gql(url, `mutation($id: ID!, $i: [ImageInput!]!) { enrollImages(identityId: $id, images: $i) { id } }`, { id, i: [await b64(1, 0)] }, { token: TOKEN })).data.enrollImages[0].id;
    const callers: Array<[string, string | undefined]> = [['anonymous', undefined]];
    for (const role of ['SEARCH', 'READ', 'ENROLL', 'ADMIN']) {
      const r = await gql(url, `mutation($r: AccessRole!) { createApiKey(name: "probe", role: $r) { key } }`, { r: role }, { token: TOKEN });
      callers.push([`key ${role.toLowerCase()}`, r.data?.createApiKey?.key ?? 'n/a']);
    }
    callers.push(['admin token', TOKEN]);
    const q = await b64(1, 1);
    let n = 0;
    const cases: Array<[string, () => [string, Record<string, unknown>]]> = [
      ['verify (base64 × base64)', () => [`query($a: ImageInput!, $b: ImageInput!) { verify(a: $a, b: $b) { match } }`, { a: q, b: q }]],
      ['searchSimilar → identity { id }', () => [`query($i: ImageInput!) { searchSimilar(image: $i, k: 1) { identity { id } distance } }`, { i: q }]],
      ['searchSimilar → identity { name }', () => [`query($i: ImageInput!) { searchSimilar(image: $i, k: 1) { identity { name } } }`, { i: q }]],
      ['searchSimilar → identity { metadata }', () => [`query($i: ImageInput!) { searchSimilar(image: $i, k: 1) { identity { metadata } } }`, { i: q }]],
      ['searchSimilar → identity { images { sha256 } }', () => [`query($i: ImageInput!) { searchSimilar(image: $i, k: 1) { identity { images { sha256 } } } }`, { i: q }]],
      ['verify(a: { imageId })', () => [`query($a: ImageInput!, $b: ImageInput!) { verify(a: $a, b: $b) { match } }`, { a: { imageId: img }, b: q }]],
      ['verify(a: { imageId: unknown })', () => [`query($a: ImageInput!, $b: ImageInput!) { verify(a: $a, b: $b) { match } }`, { a: { imageId: 'nope' }, b: q }]],
      ['detectFaces / model', () => [`{ model { version } }`, {}]],
      ['identity(id) { id }', () => [`query($id: ID!) { identity(id: $id) { id } }`, { id }]],
      ['identities { name }', () => [`{ identities(first: 5) { edges { node { name } } } }`, {}]],
      ['createIdentity', () => [`mutation { createIdentity(name: "p${n++}") { id } }`, {}]],
      ['deleteImage (unknown id)', () => [`mutation { deleteImage(id: "nope") }`, {}]],
      ['apiKeys', () => [`{ apiKeys { id } }`, {}]],
      ['viewer { role }', () => [`{ viewer { role } }`, {}]],
    ];
    const rows: string[] = [`| operation / field | ${callers.map((c) => c[0]).join(' | ')} |`, `|---|${callers.map(() => '---').join('|')}|`];
    for (const [name, make] of cases) {
      const cells: string[] = [];
      for (const [, token] of callers) {
        if (token === 'n/a') {
          cells.push('n/a');
          continue;
        }
        const [query, vars] = make();
        const r = await gql(url, query, vars, { token });
        const codes = (r.errors ?? []).map((e) => e.extensions?.code ?? '?');
        cells.push(codes.length === 0 ? 'ok' : [...new Set(codes)].join(','));
      }
      rows.push(`| ${name} | ${cells.join(' | ')} |`);
    }
    console.log(rows.join('\n'));
    expect(rows.length).toBe(cases.length + 2);
  } finally {
    await server.close();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
});

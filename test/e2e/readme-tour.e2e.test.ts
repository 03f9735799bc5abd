import { execFile } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { promisify } from 'util';
import { loadConfig } from '../../src/config';
import { startServer, type RunningServer } from '../../src/main';
import { tempDir } from './harness';

/**
 * The README's API tour runs as written (issue 14): its `sh` blocks are
 * concatenated in order and run by bash at the repository root, against the
 * real server configured as `npm start` configures it (default face model from
 * models/, SQLite in a data dir, an admin token in SIAMESE_ADMIN_TOKEN), with
 * only the URL swapped for this server's free port. `curl` is wrapped to keep
 * every answer; each must be JSON with data and no errors.
 */
const ROOT = path.resolve(__dirname, '../..');
const TOKEN = 'readme-tour-admin-token-0123456789';
const README_URL = 'http://localhost:4000/graphql';

/** The `sh` blocks of "## API tour" up to the next heading (outside code fences) that call curl. */
function apiTourBlocks(markdown: string): string[] {
  const lines = markdown.split('\n');
  const start = lines.indexOf('## API tour');
  if (start < 0) throw new Error('README has no "## API tour" section');
  const blocks: Array<{ lang: string; text: string }> = [];
  let fence: { lang: string; lines: string[] } | null = null;
  for (const line of lines.slice(start + 1)) {
    if (fence === null && /^#{1,6} /.test(line)) break;
    if (fence === null && line.startsWith('```')) fence = { lang: line.slice(3).trim(), lines: [] };
    else if (fence !== null && line === '```') {
      blocks.push({ lang: fence.lang, text: fence.lines.join('\n') });
      fence = null;
    } else if (fence !== null) fence.lines.push(line);
  }
  return blocks.filter((b) => b.lang === 'sh' && /\bcurl\b/.test(b.text)).map((b) => b.text);
}

interface Answer {
  data?: Record<string, any> | null;
  errors?: unknown[];
}

let server: RunningServer;
let dataDir: string;

beforeAll(async () => {
  dataDir = tempDir('readme-tour-');
  const config = loadConfig(
    {
      NODE_ENV: 'development',
      PORT: '0',
      HOST: '127.0.0.1',
      SIAMESE_DATA_DIR: dataDir,
      SIAMESE_ADMIN_TOKEN: TOKEN,
      SIAMESE_LOG_LEVEL: 'silent',
      // One worker thread instead of one per core: the tour sends a handful of images.
      SIAMESE_EMBEDDING_POOL_SIZE: '1',
    },
    ROOT, // models/ of the repository: the default model, as `npm start` serves it
  );
  server = await startServer(config);
}, 120_000);

afterAll(async () => {
  await server?.close();
  fs.rmSync(dataDir, { recursive: true, force: true });
});

test('every curl block of the README API tour runs against npm start and answers without errors', async () => {
  const blocks = apiTourBlocks(fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8'));
  expect(blocks.length).toBeGreaterThanOrEqual(3);
  const answersDir = path.join(dataDir, 'answers');
  fs.mkdirSync(answersDir);
  const script = [
    'set -euo pipefail',
    // Each curl answer is kept in NNN.json (and still printed, for $(…) captures in the tour).
    `curl() { local f; f="${answersDir}/$(printf %03d $(( $(ls "${answersDir}" | wc -l) + 1 ))).json"; command curl --max-time 120 "$@" > "$f"; cat "$f"; }`,
    ...blocks.map((b) => b.split(README_URL).join(server.url)),
  ].join('\n');
  const scriptFile = path.join(dataDir, 'tour.sh');
  fs.writeFileSync(scriptFile, script);
  // Async: the server answers from this process's event loop.
  const run = await promisify(execFile)('bash', [scriptFile], {
    cwd: ROOT,
    env: { ...process.env, SIAMESE_ADMIN_TOKEN: TOKEN },
    maxBuffer: 16 * 1024 * 1024,
  }).catch((e: { code?: number; stdout?: string; stderr?: string }) => {
    throw new Error(`the tour failed (exit ${e.code}):\n${e.stdout}\n${e.stderr}`);
  });
  expect(run.stdout).toMatch(/^identity [0-9a-f-]{36}$/m);

  const files = fs.readdirSync(answersDir).sort();
  const curlCalls = blocks.join('\n').match(/\bcurl -/g)!.length;
  expect(files).toHaveLength(curlCalls);
  const answers: Answer[] = files.map((f) => JSON.parse(fs.readFileSync(path.join(answersDir, f), 'utf8')));
  for (const [i, a] of answers.entries()) {
    expect({ file: files[i], errors: a.errors }).toEqual({ file: files[i], errors: undefined });
    expect(a.data).toBeTruthy();
  }

  // What the tour says happens, with the example photos (examples/faces/README.md).
  const field = (name: string) => answers.find((a) => a.data && name in a.data)!.data![name];
  const id = field('createIdentity').id;
  const enrolled = field('enrollImages');
  expect(enrolled).toHaveLength(2);
  for (const image of enrolled) {
    expect([image.width, image.height]).toEqual([92, 112]);
    expect(image.face.score).toBeGreaterThan(0.5);
  }
  const [best] = field('searchSimilar');
  expect(best.identity.id).toBe(id);
  expect(best.match).toBe(true);
  expect(field('verify').match).toBe(false);
  expect(field('detectFaces').length).toBeGreaterThanOrEqual(1);
  expect(field('model').indexedVectors).toBe(2);
  expect(field('identities').edges.map((e: any) => [e.node.id, e.node.name, e.node.imageCount])).toEqual([[id, 'Ada', 2]]);
  expect(field('deleteIdentity')).toBe(true);
  expect(server.internals.active.current.index.size).toBe(0);
}, 240_000);

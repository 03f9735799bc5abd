import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { loadConfig } from '../../src/config';
import { openServiceStack } from '../../src/main';
import { importTree, scanImageTree } from '../../src/cli/import.command';
import { pixelEmbedder } from '../fixtures/pixel-embedder';
import { syntheticImage } from '../fixtures/synthetic-images';

describe('siamese import (folder tree → identities)', () => {
  let root: string;
  beforeEach(() => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'siamese-import-'));
  });
  afterEach(() => fs.rmSync(root, { recursive: true, force: true }));

  const write = async (rel: string, bytes: Buffer) => {
    fs.mkdirSync(path.dirname(path.join(root, 'tree', rel)), { recursive: true });
    fs.writeFileSync(path.join(root, 'tree', rel), bytes);
  };

  it('finds every folder holding images, named by its relative path', async () => {
    await write('s1/1.png', await syntheticImage(1, 0));
    await write('s1/notes.txt', Buffer.from('x'));
    await write('Latin/character01/a.png', await syntheticImage(2, 0));
    expect(scanImageTree(path.join(root, 'tree')).map((f) => [f.name, f.files.length])).toEqual([
      ['Latin/character01', 1],
      ['s1', 1],
    ]);
  });

  it('enrolls the tree, reports refused files, and skips what is already enrolled on a re-run', async () => {
    await write('s1/1.png', await syntheticImage(1, 0));
    await write('s1/2.png', await syntheticImage(1, 1));
    await write('s2/1.png', await syntheticImage(2, 0));
    await write('s2/broken.png', Buffer.from('not a png'));
    const config = loadConfig(
      { SIAMESE_DATA_DIR: path.join(root, 'data'), SIAMESE_LOG_LEVEL: 'silent', SIAMESE_MODELS_DIR: path.join(root, 'none') },
      root,
    );
    const tree = path.join(root, 'tree');
    const stack = await openServiceStack(config, { embedder: pixelEmbedder() });
    try {
      const progress: number[] = [];
      const first = await importTree(stack, tree, scanImageTree(tree), { chunk: 8, onProgress: (p) => progress.push(p.done) });
      expect(first).toMatchObject({ identities: 2, createdIdentities: 2, enrolled: 3, skipped: 0, failed: 1 });
      expect(first.failures[0]).toMatchObject({ file: 's2/broken.png', code: 'INVALID_IMAGE' });
      expect(progress[progress.length - 1]).toBe(4);
      expect(stack.active.current.index.size).toBe(3);

      const again = await importTree(stack, tree, scanImageTree(tree), { chunk: 8 });
      expect(again).toMatchObject({ createdIdentities: 0, enrolled: 0, skipped: 3, failed: 1 });
      expect(await stack.store.countIdentities()).toBe(2);
    } finally {
      await stack.close();
    }
  });
});

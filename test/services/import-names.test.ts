import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { loadConfig } from '../../src/config';
import { openServiceStack } from '../../src/main';
import { importTree, scanImageTree } from '../../src/cli/import.command';
import { pixelEmbedder } from '../fixtures/pixel-embedder';
import { syntheticImage } from '../fixtures/synthetic-images';

/**
 * `siamese import` finds identities by name; with names unique up to case and Unicode form
 * (issue 13 item 9) it must find them the same way, or folder 'ada' would fail with CONFLICT
 * (or, before, create a second 'Ada').
 */
describe('siamese import with normalised identity names', () => {
  let root: string;
  beforeEach(() => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'siamese-import-names-'));
  });
  afterEach(() => fs.rmSync(root, { recursive: true, force: true }));

  it("reuses the identity 'Ada' for folders 'ada' and 'ＡＤＡ'; a folder name that cannot be a name is reported, not fatal", async () => {
    const tree = path.join(root, 'tree');
    const put = async (rel: string, id: number, shot: number) => {
      fs.mkdirSync(path.dirname(path.join(tree, rel)), { recursive: true });
      fs.writeFileSync(path.join(tree, rel), await syntheticImage(id, shot));
    };
    await put('ada/1.png', 1, 0);
    await put('\uff21\uff24\uff21/2.png', 1, 1);
    await put('grace/1.png', 2, 0);
    await put('bad\u0007name/1.png', 3, 0);
    const config = loadConfig(
      { SIAMESE_DATA_DIR: path.join(root, 'data'), SIAMESE_LOG_LEVEL: 'silent', SIAMESE_MODELS_DIR: path.join(root, 'none') },
      root,
    );
    const stack = await openServiceStack(config, { embedder: pixelEmbedder() });
    try {
      const ada = await stack.services.identities.create('Ada', null);
      const result = await importTree(stack, tree, scanImageTree(tree), { chunk: 8 });
      expect(result).toMatchObject({ identities: 4, createdIdentities: 1, enrolled: 3, failed: 1 });
      expect(result.failures).toEqual([expect.objectContaining({ file: 'bad\u0007name/1.png', code: 'BAD_USER_INPUT' })]);
      expect((await stack.store.listImages(ada.id)).length).toBe(2);
      expect(await stack.store.countIdentities()).toBe(2);
    } finally {
      await stack.close();
    }
  });
});

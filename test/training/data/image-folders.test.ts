import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { FolderImageSource } from '../../../src/training/data/folder.source';
import { listImageFolders } from '../../../src/training/data/image-folders';

/**
 * Dataset folders made of symbolic links (issue 14): identity folders that are links
 * (relative and absolute), linked image files, a link to an ancestor (must not loop),
 * a second link to a folder already read (must not become a second identity), and a
 * broken link (ignored). Before, every link was skipped: "no images found".
 */
let root: string;
const touch = (file: string) => {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, 'x');
};

beforeEach(() => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'siamese-links-'));
  touch(path.join(root, 'store', 'alice', '1.png'));
  touch(path.join(root, 'store', 'alice', '2.png'));
  touch(path.join(root, 'store', 'bob', '1.jpg'));
  touch(path.join(root, 'store', 'loose', 'carol-1.png'));
  const ds = path.join(root, 'ds');
  fs.mkdirSync(ds);
  fs.symlinkSync('../store/alice', path.join(ds, 'alice')); // relative
  fs.symlinkSync(path.join(root, 'store', 'bob'), path.join(ds, 'bob')); // absolute
  fs.mkdirSync(path.join(ds, 'carol'));
  fs.symlinkSync(path.join(root, 'store', 'loose', 'carol-1.png'), path.join(ds, 'carol', '1.png')); // a linked file
  fs.symlinkSync('../store/alice', path.join(ds, 'dup')); // alice again
  fs.symlinkSync('..', path.join(ds, 'carol', 'up')); // an ancestor of ds: would loop
  fs.symlinkSync(path.join(root, 'nowhere'), path.join(ds, 'gone')); // broken
});
afterEach(() => fs.rmSync(root, { recursive: true, force: true }));

const byName = (a: string, b: string) => a.localeCompare(b);

it('follows links to folders and files, once per real folder, and ignores broken ones', () => {
  const ds = path.join(root, 'ds');
  const found = listImageFolders(ds, new Set(['.png', '.jpg']), byName).map((f) => [path.relative(ds, f.dir), f.files]);
  expect(found).toEqual([
    ['alice', ['1.png', '2.png']],
    ['bob', ['1.jpg']],
    ['carol', ['1.png']],
  ]);
});

it('a dataset of linked identity folders trains: FolderImageSource lists their images', async () => {
  const refs = await new FolderImageSource([path.join(root, 'ds')]).list();
  expect(refs.map((r) => r.identity).sort()).toEqual(['ds/alice', 'ds/alice', 'ds/bob', 'ds/carol']);
  await expect(new FolderImageSource([path.join(root, 'ds')]).read(refs.find((r) => r.identity === 'ds/carol')!.key)).resolves.toHaveLength(
    1,
  );
});

it('the dataset root itself may be a link', async () => {
  fs.symlinkSync(path.join(root, 'store'), path.join(root, 'linked-root'));
  const refs = await new FolderImageSource([path.join(root, 'linked-root')]).list();
  expect(new Set(refs.map((r) => r.identity))).toEqual(new Set(['linked-root/alice', 'linked-root/bob', 'linked-root/loose']));
});

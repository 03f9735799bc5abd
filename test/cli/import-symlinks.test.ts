import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { scanImageTree } from '../../src/cli/import.command';

/** `siamese import --data DIR` where DIR's identity folders are symbolic links (issue 14). */
it('scanImageTree follows linked identity folders and linked files', () => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'siamese-import-links-'));
  try {
    for (const f of ['store/ada/1.png', 'store/ada/2.png', 'store/bo/1.png']) {
      fs.mkdirSync(path.dirname(path.join(root, f)), { recursive: true });
      fs.writeFileSync(path.join(root, f), 'x');
    }
    const tree = path.join(root, 'tree');
    fs.mkdirSync(path.join(tree, 'bo'), { recursive: true });
    fs.symlinkSync('../store/ada', path.join(tree, 'ada'));
    fs.symlinkSync(path.join(root, 'store', 'bo', '1.png'), path.join(tree, 'bo', '1.png'));
    expect(scanImageTree(tree).map((f) => [f.name, f.files.map((file) => path.relative(tree, file))])).toEqual([
      ['ada', ['ada/1.png', 'ada/2.png']],
      ['bo', ['bo/1.png']],
    ]);
  } finally {
    fs.rmSync(root, { recursive: true, force: true });
  }
});

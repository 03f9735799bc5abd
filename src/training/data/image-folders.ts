/**
 * The folder walk under every dataset reader (`siamese train` / `eval` through
 * FolderImageSource, `siamese import`): the folders of a tree that directly hold
 * image files, each with its image file names.
 *
 * Symbolic links are followed (issue 14): a dataset assembled from links
 * (`mydata/alice -> /photos/alice`, or linked image files) reads like a copied one.
 * Each real folder is visited once, by the first path that reaches it in sorted
 * order: a link to a folder already seen is skipped, so a link to an ancestor
 * cannot loop and two links to one folder do not make one person two identities.
 * Broken links are ignored, like the files that are not images.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

export interface ImageFolder {
  /** The folder's path as reached from the root (through links, not resolved). */
  dir: string;
  /** Image file names in `dir`, in `compare` order. */
  files: string[];
}

export function listImageFolders(
  root: string,
  imageExtensions: ReadonlySet<string>,
  compare: (a: string, b: string) => number,
): ImageFolder[] {
  const out: ImageFolder[] = [];
  const seen = new Set<string>();
  const visit = (dir: string) => {
    let real: string;
    try {
      real = fs.realpathSync(dir);
    } catch {
      return;
    }
    if (seen.has(real)) return;
    seen.add(real);
    const entries = fs.readdirSync(dir, { withFileTypes: true }).sort((a, b) => compare(a.name, b.name));
    const files: string[] = [];
    const folders: string[] = [];
    for (const entry of entries) {
      // A link counts as what it points to (stat follows it); a broken one is skipped.
      const kind = entry.isSymbolicLink() ? statOrUndefined(path.join(dir, entry.name)) : entry;
      if (kind?.isFile() && imageExtensions.has(path.extname(entry.name).toLowerCase())) files.push(entry.name);
      else if (kind?.isDirectory() && !entry.name.startsWith('.')) folders.push(entry.name);
    }
    if (files.length > 0) out.push({ dir, files });
    for (const name of folders) visit(path.join(dir, name));
  };
  visit(root);
  return out;
}

function statOrUndefined(file: string): fs.Stats | undefined {
  try {
    return fs.statSync(file);
  } catch {
    return undefined;
  }
}

/**
 * A dataset as a folder tree: an identity is the path of a folder that holds
 * images, so flat trees (`orl-faces/s1/1.png`) and nested ones (Omniglot's
 * `Alphabet/character07/…png`) both work. Several roots can be combined; each
 * identity is prefixed with its root's folder name so equal relative paths in
 * two roots stay distinct identities.
 */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { DomainError, ErrorCode } from '../../errors';
import { identityMatcher, type IdentityFilter } from './identity-filter';
import { listImageFolders } from './image-folders';
import type { ImageRef, LabelledImageSource } from './labelled-image-source';

const IMAGE_EXT = new Set(['.png', '.jpg', '.jpeg', '.bmp', '.gif', '.webp', '.tif', '.tiff', '.pgm']);

export class FolderImageSource implements LabelledImageSource {
  readonly sources: string[];
  private cached?: ImageRef[];

  constructor(
    roots: readonly string[],
    private readonly filter?: IdentityFilter,
  ) {
    if (roots.length === 0) throw new DomainError(ErrorCode.BAD_USER_INPUT, 'at least one --data folder is required');
    this.sources = roots.map((r) => path.resolve(r));
  }

  async list(): Promise<ImageRef[]> {
    if (this.cached) return this.cached;
    const match = identityMatcher(this.filter);
    const names = this.sources.map((r) => path.basename(r));
    const out: ImageRef[] = [];
    for (const [i, root] of this.sources.entries()) {
      const stat = await fs.stat(root).catch(() => null);
      if (!stat?.isDirectory()) throw new DomainError(ErrorCode.DATASET_INVALID, `dataset folder not found: ${root}`, { root });
      // Two roots with the same folder name get an index so their identities cannot collide.
      const label = names.filter((n) => n === names[i]).length > 1 ? `${names[i]}#${i}` : names[i];
      for (const { dir, files } of await walk(root)) {
        const rel = path.relative(root, dir).split(path.sep).join('/') || '.';
        if (!match(rel)) continue;
        for (const f of files) out.push({ key: path.join(dir, f), identity: `${label}/${rel}` });
      }
    }
    if (out.length === 0)
      throw new DomainError(ErrorCode.DATASET_INVALID, `no images found under ${this.sources.join(', ')} (after identity filters)`);
    this.cached = out;
    return out;
  }

  async read(key: string): Promise<Uint8Array> {
    return fs.readFile(key);
  }
}

/** Folders that directly hold image files, in sorted (deterministic) order; symbolic links followed (image-folders.ts). */
async function walk(root: string): Promise<Array<{ dir: string; files: string[] }>> {
  return listImageFolders(root, IMAGE_EXT, (a, b) => a.localeCompare(b, 'en', { numeric: true }));
}

import { mkdtempSync, mkdirSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { FolderImageSource } from '../../../src/training/data/folder.source';
import { compileEntry, identityMatcher, parseFilterList } from '../../../src/training/data/identity-filter';
import { splitByIdentity } from '../../../src/training/data/split';

let root: string;
beforeAll(() => {
  root = mkdtempSync(path.join(tmpdir(), 'folder-src-'));
  const put = (rel: string) => {
    mkdirSync(path.dirname(path.join(root, rel)), { recursive: true });
    writeFileSync(path.join(root, rel), 'x');
  };
  for (const s of ['s1', 's2', 's10', 's31']) for (const f of ['1.png', '2.png']) put(`faces/${s}/${f}`);
  put('faces/README.txt');
  put('omni/Greek/character01/a.png');
  put('omni/Greek/character02/b.png');
  put('omni/Latin/character01/c.png');
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('identity filters', () => {
  it('names, numeric ranges and /regex/', () => {
    expect(compileEntry('s1..s30')('s30')).toBe(true);
    expect(compileEntry('s1..s30')('s31')).toBe(false);
    expect(compileEntry('s1..30')('s7')).toBe(true);
    expect(compileEntry('/^s([1-9]|[12][0-9]|30)$/')('s29')).toBe(true);
    expect(compileEntry('/^s([1-9]|[12][0-9]|30)$/')('s31')).toBe(false);
    expect(compileEntry('character01')('Greek/character01')).toBe(true);
    expect(identityMatcher({ include: ['s1..s40'], exclude: ['s2'] })('s2')).toBe(false);
    expect(parseFilterList(['s1,s2', '/a,b/'])).toEqual(['s1', 's2', '/a,b/']);
  });
});

describe('FolderImageSource', () => {
  it('an identity is a folder holding images; nested trees work; non-images are ignored', async () => {
    const src = new FolderImageSource([path.join(root, 'omni')]);
    const list = await src.list();
    expect(list.map((i) => i.identity).sort()).toEqual(['omni/Greek/character01', 'omni/Greek/character02', 'omni/Latin/character01']);
    const faces = await new FolderImageSource([path.join(root, 'faces')]).list();
    expect(faces).toHaveLength(8);
    expect(new Set(faces.map((f) => f.identity)).size).toBe(4);
  });

  it('combines roots and applies include/exclude filters (ORL-style s1..s30)', async () => {
    const src = new FolderImageSource([path.join(root, 'faces'), path.join(root, 'omni')], { include: ['s1..s30', '/^Greek/'] });
    const ids = [...new Set((await src.list()).map((i) => i.identity))].sort();
    expect(ids).toEqual(['faces/s1', 'faces/s10', 'faces/s2', 'omni/Greek/character01', 'omni/Greek/character02']);
    expect(Buffer.from(await src.read((await src.list())[0].key)).toString()).toBe('x');
  });

  it('fails with a DomainError on a missing folder', async () => {
    await expect(new FolderImageSource([path.join(root, 'nope')]).list()).rejects.toMatchObject({ code: 'DATASET_INVALID' });
  });
});

describe('identity-disjoint split', () => {
  it('no identity is on both sides, sizes follow the fraction, seeded', () => {
    const images = Array.from({ length: 100 }, (_, i) => ({ key: `k${i}`, identity: `id${i % 20}` }));
    const a = splitByIdentity(images, 0.25, 11);
    expect(a.validation.identities).toHaveLength(5);
    expect(a.train.identities).toHaveLength(15);
    expect(a.train.identities.filter((id) => a.validation.identities.includes(id))).toEqual([]);
    expect(a.train.images.length + a.validation.images.length).toBe(100);
    expect(splitByIdentity(images, 0.25, 11).validation.identities).toEqual(a.validation.identities);
    expect(splitByIdentity(images, 0.25, 12).validation.identities).not.toEqual(a.validation.identities);
  });
});

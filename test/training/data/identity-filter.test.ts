import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { DomainError } from '../../../src/errors';
import { FolderImageSource } from '../../../src/training/data/folder.source';
import { identityMatcher, parseFilterList } from '../../../src/training/data/identity-filter';

/**
 * `@FILE` entries of identity filters (issue 12: LFW's splits name thousands of people, more
 * than a command line holds). The other entry kinds are covered in folder.source.test.ts.
 */
let root: string;
const file = (name: string, text: string): string => {
  const p = path.join(root, name);
  writeFileSync(p, text);
  return p;
};

beforeAll(() => {
  root = mkdtempSync(path.join(tmpdir(), 'identity-filter-'));
  // A small LFW-like tree: <person>/<person>_000N.jpg (contents do not matter for listing).
  for (const person of ['Aaron_Peirsol', 'Abdullah_Gul', 'Adrien_Brody', 'Al_Gore']) {
    mkdirSync(path.join(root, 'lfw', person), { recursive: true });
    for (const n of [1, 2]) writeFileSync(path.join(root, 'lfw', person, `${person}_000${n}.jpg`), `${person}${n}`);
  }
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('parseFilterList: @FILE entries', () => {
  it('lists the names of the file, one per line, in file order; blank lines and # comments are skipped', () => {
    const list = file('train.txt', '# LFW training people\nAaron_Peirsol\n\n   \nAdrien_Brody\n  # indented comment\nAl_Gore\n');
    expect(parseFilterList([`@${list}`])).toEqual(['Aaron_Peirsol', 'Adrien_Brody', 'Al_Gore']);
  });

  it('trims each line (surrounding blanks, Windows line endings, no final newline)', () => {
    const list = file('crlf.txt', '  Aaron_Peirsol \r\n\tAbdullah_Gul\r\n\r\nAl_Gore');
    expect(parseFilterList([`@${list}`])).toEqual(['Aaron_Peirsol', 'Abdullah_Gul', 'Al_Gore']);
  });

  it('a line is one name: commas inside it are not split as on the command line', () => {
    const list = file('comma.txt', 'Smith, John\n');
    expect(parseFilterList([`@${list}`])).toEqual(['Smith, John']);
    // The same text on the command line is two entries.
    expect(parseFilterList(['Smith, John'])).toEqual(['Smith', 'John']);
  });

  it('mixes with the other entry kinds, in argument order', () => {
    const list = file('two.txt', 'Abdullah_Gul\nAdrien_Brody\n');
    expect(parseFilterList(['s1,s2', `@${list}`, '/^x$/', 's9'])).toEqual(['s1', 's2', 'Abdullah_Gul', 'Adrien_Brody', '/^x$/', 's9']);
  });

  it('a path relative to the working directory is read from there', () => {
    const list = file('relative.txt', 'Al_Gore\n');
    const rel = path.relative(process.cwd(), list);
    expect(path.isAbsolute(rel)).toBe(false);
    expect(parseFilterList([`@${rel}`])).toEqual(['Al_Gore']);
  });

  it('a missing file is BAD_USER_INPUT naming the file', () => {
    const missing = path.join(root, 'no-such-list.txt');
    let err: unknown;
    try {
      parseFilterList([`@${missing}`]);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(DomainError);
    expect(err).toMatchObject({ code: 'BAD_USER_INPUT' });
    expect((err as Error).message).toContain(`cannot read identity list ${missing}`);
  });

  it('a folder given as the file is unreadable: BAD_USER_INPUT', () => {
    expect(() => parseFilterList([`@${path.join(root, 'lfw')}`])).toThrow(DomainError);
    expect(() => parseFilterList([`@${path.join(root, 'lfw')}`])).toThrow(/cannot read identity list/);
  });

  it.each([
    ['empty', ''],
    ['blank lines only', '\n  \n\r\n'],
    ['comments only', '# nobody yet\n# still nobody\n'],
  ])('a file with no names (%s) is BAD_USER_INPUT: an empty include list would silently select everyone', (name, text) => {
    const list = file(`${name.replace(/ /g, '-')}.txt`, text);
    let err: unknown;
    try {
      parseFilterList([`@${list}`]);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(DomainError);
    expect(err).toMatchObject({ code: 'BAD_USER_INPUT', message: `identity list ${list} is empty` });
  });

  it('a bare "@" names no file: BAD_USER_INPUT', () => {
    expect(() => parseFilterList(['@'])).toThrow(expect.objectContaining({ code: 'BAD_USER_INPUT' }));
  });
});

describe('@FILE lists select identities', () => {
  it('include and exclude from files, matched against the last path segment', async () => {
    const include = file('inc.txt', 'Aaron_Peirsol\nAdrien_Brody\nAl_Gore\n');
    const exclude = file('exc.txt', '# held out\nAl_Gore\n');
    const filter = { include: parseFilterList([`@${include}`]), exclude: parseFilterList([`@${exclude}`]) };
    const match = identityMatcher(filter);
    expect(match('lfw/Aaron_Peirsol')).toBe(true);
    expect(match('lfw/Abdullah_Gul')).toBe(false); // not listed
    expect(match('lfw/Al_Gore')).toBe(false); // listed, then excluded

    const src = new FolderImageSource([path.join(root, 'lfw')], filter);
    const listed = await src.list();
    expect(listed).toHaveLength(4); // two people × two photos
    expect([...new Set(listed.map((i) => i.identity.split('/').pop()))].sort()).toEqual(['Aaron_Peirsol', 'Adrien_Brody']);
  });

  it('a listed name that is only a prefix of a person does not select that person', () => {
    const list = file('prefix.txt', 'Aaron\n');
    const match = identityMatcher({ include: parseFilterList([`@${list}`]) });
    expect(match('lfw/Aaron_Peirsol')).toBe(false);
    expect(match('lfw/Aaron')).toBe(true);
  });
});

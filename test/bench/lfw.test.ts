import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import {
  lfwPhotoPath,
  listLfwPeople,
  loadLfwBenchImages,
  loadLfwPhotos,
  loadLfwSamePairs,
  parseSamePairs,
  spreadPick,
} from '../../src/bench/lfw';

let dir: string;

/** A fake LFW tree: people with 1–3 "photos" whose bytes name the file. */
beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-lfw-'));
  const people: Record<string, number> = { Ann_A: 1, Bob_B: 3, Cid_C: 2, Dee_D: 1, Eve_E: 2 };
  for (const [name, n] of Object.entries(people)) {
    fs.mkdirSync(path.join(dir, name));
    for (let i = 1; i <= n; i++) fs.writeFileSync(lfwPhotoPath(dir, name, i), `${name}#${i}`);
  }
  fs.writeFileSync(path.join(dir, 'README.md'), 'not a person');
  fs.writeFileSync(path.join(dir, 'pairsDevTrain.txt'), '3\nEve_E\t1\t2\nAnn_A\t1\tBob_B\t2\nBob_B 2 3\nGone_G\t1\t2\n');
});

afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

test('spreadPick spreads n picks evenly and keeps everything when n is large', () => {
  expect(spreadPick([0, 1, 2, 3, 4, 5, 6, 7, 8, 9], 5)).toEqual([0, 2, 4, 6, 8]);
  expect(spreadPick([0, 1, 2, 3], 3)).toEqual([0, 1, 2]);
  expect(spreadPick([0, 1], 5)).toEqual([0, 1]);
  expect(spreadPick([0, 1], 0)).toEqual([]);
});

test('same pairs are parsed from LFW pairs files; different pairs, the count and junk are skipped', () => {
  expect(parseSamePairs('2\nA_B\t1\t2\nA_B\t1\tC_D\t4\nX 0 1\nY a 2\n\nZ_Z 3 4')).toEqual([
    { person: 'A_B', a: 1, b: 2 },
    { person: 'Z_Z', a: 3, b: 4 },
  ]);
  expect(lfwPhotoPath('/d', 'A_B', 7)).toBe(path.join('/d', 'A_B', 'A_B_0007.jpg'));
});

test('photos: one per person, people spread over the sorted folders; none for a missing directory', () => {
  expect(listLfwPeople(dir)).toEqual(['Ann_A', 'Bob_B', 'Cid_C', 'Dee_D', 'Eve_E']);
  const photos = loadLfwPhotos(dir, 2);
  expect(photos.map((p) => [p.person, p.bytes.toString()])).toEqual([
    ['Ann_A', 'Ann_A#1'],
    ['Cid_C', 'Cid_C#1'],
  ]);
  expect(loadLfwPhotos(path.join(dir, 'nope'), 5)).toEqual([]);
});

test("same-person pairs come from LFW's list first (missing files skipped), then from people with two photos", () => {
  const pairs = loadLfwSamePairs(dir, 3);
  expect(pairs.map((p) => [p.person, p.a.toString(), p.b.toString()])).toEqual([
    ['Eve_E', 'Eve_E#1', 'Eve_E#2'],
    ['Bob_B', 'Bob_B#2', 'Bob_B#3'],
    ['Cid_C', 'Cid_C#1', 'Cid_C#2'],
  ]);
  expect(loadLfwSamePairs(dir, 1)).toHaveLength(1);
});

test('bench images for face models: people with enough photos, consecutive photos each; an error without any', () => {
  const b = loadLfwBenchImages(dir, { people: 2, perPerson: 2 });
  expect(b.images.map((x) => x.toString())).toEqual(['Bob_B#1', 'Bob_B#2', 'Cid_C#1', 'Cid_C#2']);
  expect(b.subjects).toEqual([0, 0, 1, 1]);
  expect(b.source).toBe(dir);
  expect(() => loadLfwBenchImages(path.join(dir, 'nope'), { people: 2, perPerson: 2 })).toThrow(/no LFW photos/);
});

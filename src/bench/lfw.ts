import * as fs from 'node:fs';
import * as path from 'node:path';
import type { BenchImages } from './bench-images';

/**
 * Real face photos for the face part (and for the default and http parts when
 * the model has a face stage): LFW from the shared datasets folder
 * (`Name/Name_NNNN.jpg`, 250×250 JPEG news photos, faces not cropped), sent as
 * their original JPEG bytes. Choices are deterministic (no randomness): people
 * are spread evenly over the sorted list, pairs are LFW's own.
 */
export interface LfwPhoto {
  person: string;
  file: string;
  bytes: Buffer;
}

export interface LfwPair {
  person: string;
  a: Buffer;
  b: Buffer;
}

/** People folders of an LFW-style directory, sorted; [] when it does not exist. */
export function listLfwPeople(lfwDir: string): string[] {
  let entries: fs.Dirent[];
  try {
    entries = fs.readdirSync(lfwDir, { withFileTypes: true });
  } catch {
    return [];
  }
  return entries
    .filter((e) => e.isDirectory())
    .map((e) => e.name)
    .sort();
}

/** n items spread evenly over the list (indices ⌊i·len/n⌋), all of them when n ≥ len. */
export function spreadPick<T>(items: readonly T[], n: number): T[] {
  if (n >= items.length) return [...items];
  return Array.from({ length: Math.max(0, n) }, (_, i) => items[Math.floor((i * items.length) / n)]);
}

/** LFW's file name for photo `i` (from 1) of a person. */
export function lfwPhotoPath(lfwDir: string, person: string, i: number): string {
  return path.join(lfwDir, person, `${person}_${String(i).padStart(4, '0')}.jpg`);
}

/**
 * Same-person pairs of an LFW pairs file (`pairsDevTrain.txt`): lines
 * `name i j` are same pairs, `name1 i name2 j` different ones (skipped); the
 * first line is the count. Malformed lines are skipped.
 */
export function parseSamePairs(text: string): { person: string; a: number; b: number }[] {
  const out: { person: string; a: number; b: number }[] = [];
  for (const line of text.split('\n')) {
    const parts = line.trim().split(/\s+/);
    if (parts.length !== 3) continue;
    const [person, a, b] = parts;
    const ia = Number(a);
    const ib = Number(b);
    if (Number.isInteger(ia) && Number.isInteger(ib) && ia > 0 && ib > 0) out.push({ person, a: ia, b: ib });
  }
  return out;
}

/** The first photo of `n` different people, spread over the dataset. */
export function loadLfwPhotos(lfwDir: string, n: number): LfwPhoto[] {
  const out: LfwPhoto[] = [];
  for (const person of spreadPick(listLfwPeople(lfwDir), n)) {
    const file = firstPhoto(lfwDir, person);
    if (file) out.push({ person, file, bytes: fs.readFileSync(file) });
  }
  return out;
}

/**
 * `n` same-person pairs, each of a different pair of photos: LFW's own pairs
 * (pairsDevTrain.txt) when present, else photo 1 and 2 of people with two or more.
 */
export function loadLfwSamePairs(lfwDir: string, n: number): LfwPair[] {
  const out: LfwPair[] = [];
  const pairsFile = path.join(lfwDir, 'pairsDevTrain.txt');
  const listed = fs.existsSync(pairsFile) ? parseSamePairs(fs.readFileSync(pairsFile, 'utf8')) : [];
  for (const p of listed) {
    if (out.length >= n) return out;
    const fa = lfwPhotoPath(lfwDir, p.person, p.a);
    const fb = lfwPhotoPath(lfwDir, p.person, p.b);
    if (fs.existsSync(fa) && fs.existsSync(fb)) out.push({ person: p.person, a: fs.readFileSync(fa), b: fs.readFileSync(fb) });
  }
  for (const person of listLfwPeople(lfwDir)) {
    if (out.length >= n) break;
    const files = photosOf(lfwDir, person);
    if (files.length >= 2 && !out.some((p) => p.person === person)) {
      out.push({ person, a: fs.readFileSync(files[0]), b: fs.readFileSync(files[1]) });
    }
  }
  return out;
}

/**
 * BenchImages from LFW for models with a face stage: `people` people with at
 * least `perPerson` photos (spread over those), `perPerson` consecutive
 * images each; subjects are the person's index. Throws when there are none
 * (noise stand-ins would all be refused with NO_FACE_DETECTED).
 */
export function loadLfwBenchImages(lfwDir: string, opts: { people: number; perPerson: number }): BenchImages {
  const eligible = listLfwPeople(lfwDir).filter((p) => photosOf(lfwDir, p).length >= opts.perPerson);
  const images: Buffer[] = [];
  const subjects: number[] = [];
  spreadPick(eligible, opts.people).forEach((person, s) => {
    for (const file of photosOf(lfwDir, person).slice(0, opts.perPerson)) {
      images.push(fs.readFileSync(file));
      subjects.push(s);
    }
  });
  if (images.length === 0) throw new Error(`no LFW photos at ${lfwDir} (the model has a face stage: it needs real face photos)`);
  return { source: lfwDir, images, subjects };
}

function photosOf(lfwDir: string, person: string): string[] {
  try {
    return fs
      .readdirSync(path.join(lfwDir, person))
      .filter((f) => /\.jpe?g$/i.test(f))
      .sort()
      .map((f) => path.join(lfwDir, person, f));
  } catch {
    return [];
  }
}

function firstPhoto(lfwDir: string, person: string): string | undefined {
  return photosOf(lfwDir, person)[0];
}

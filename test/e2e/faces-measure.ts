/**
 * Issue 12's targets, measured over the real HTTP API with the served default
 * threshold, on people nobody trained or tuned on (not a CI test; see
 * docs/faces.md for the command):
 *
 *  A. verify accuracy on LFW held-out people (splits/lfw-devtrain/heldout.txt):
 *     same pairs = photo 1 vs photo 2 of every held-out person with ≥ 2 photos,
 *     different pairs = photo 1 of person i vs photo 1 of person i + 1 (as many);
 *  B. 1:N open set: enroll photo 1 of every held-out person with ≥ 2 photos
 *     (474 people), query with photo 2: top-1 correct and `match: true`; then
 *     the single-photo held-out people query as strangers: a false match is any
 *     returned entry with `match: true`;
 *  C. uncropped vs tight: the same queries as B on tight crops (the centre
 *     150×150 of the 250×250 photo: the face with a small margin) against the originals as they are;
 *  D. ORL s31–s40 through the same pipeline (as orl-measure.ts: one enrolled image per subject, top-1 of
 *     the other nine; strangers s36–s40 against s31–s35), and the same queries pasted into 640×480 scenes (random place and scale on a
 *     generated background without faces) against the tight originals;
 *  E. non-faces: Omniglot characters, blank and textured images (≥ 100): verify against an
 *     enrolled face and searchSimilar must answer NO_FACE_DETECTED or match: false;
 *  F. verify latency (two LFW photos, base64) at concurrency 1.
 *
 * Usage (compiled like orl-measure.ts): node faces-measure.js <modelDir> [lfwDir] [orlDir] [omniglotDir] [parts=ABCDEF]
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import sharp from 'sharp';
import { loadConfig } from '../../src/config';
import { startServer } from '../../src/main';
import { wilsonInterval } from '../../src/training/evaluate/bootstrap';
import { gql } from './http-client';

const TOKEN = 'measure-token-0123456789abcdef';
const CREATE = `mutation($n: String!) { createIdentity(name: $n) { id } }`;
const ENROLL = `mutation($id: ID!, $images: [ImageInput!]!) { enrollImages(identityId: $id, images: $images) { id } }`;
const SEARCH = `query($image: ImageInput!) { searchSimilar(image: $image, k: 5) { identity { name } distance match threshold } }`;
const VERIFY = `query($a: ImageInput!, $b: ImageInput!) { verify(a: $a, b: $b) { match distance threshold } }`;

/** Partial results on stderr after each part, so a late failure loses nothing measured. */
const progress = (o: Record<string, unknown>) => process.stderr.write(`PARTIAL ${JSON.stringify(o)}\n`);
const b64 = (bytes: Uint8Array) => Buffer.from(bytes).toString('base64');
const rate = (k: number, n: number) => ({ k, n, rate: n ? k / n : NaN, ci95: wilsonInterval(k, n) });

async function withServer<T>(modelDir: string, fn: (url: string) => Promise<T>): Promise<T> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'siamese-faces-'));
  const server = await startServer(
    loadConfig({
      PORT: '0',
      HOST: '127.0.0.1',
      SIAMESE_DATA_DIR: dataDir,
      SIAMESE_MODEL: modelDir,
      SIAMESE_ADMIN_TOKEN: TOKEN,
      SIAMESE_LOG_LEVEL: 'error',
      SIAMESE_EMBEDDING_POOL_SIZE: '2',
    }),
  );
  try {
    return await fn(server.url);
  } finally {
    await server.close();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

/** Runs fn over items with `concurrency` requests in flight (the server has a pool of 2 workers). */
async function mapConcurrent<T, R>(items: T[], concurrency: number, fn: (t: T, i: number) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < items.length) {
        const i = next++;
        out[i] = await fn(items[i], i);
      }
    }),
  );
  return out;
}

function heldOut(lfw: string, listFile: string) {
  const names = fs
    .readFileSync(listFile, 'utf8')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#'));
  const photos = (p: string) =>
    fs
      .readdirSync(path.join(lfw, p))
      .filter((f) => f.endsWith('.jpg'))
      .sort()
      .map((f) => path.join(lfw, p, f));
  const multi = names.filter((n) => photos(n).length >= 2).map((n) => ({ name: n, photos: photos(n) }));
  const single = names.filter((n) => photos(n).length === 1).map((n) => ({ name: n, photos: photos(n) }));
  return { multi, single };
}

/** The centre 150×150 of a 250×250 deep-funneled LFW photo: the face (~110 px wide) with a small margin. */
async function tightCrop(file: string): Promise<Buffer> {
  return sharp(file).extract({ left: 50, top: 50, width: 150, height: 150 }).jpeg({ quality: 95 }).toBuffer();
}

/**
 * A 640×480 scene with no face in it: a blurred colour gradient with random rectangles (furniture, frames).
 * (A first version used blurred LFW photos as backgrounds: their own, larger faces were found and used.)
 */
async function sceneBackground(seed: number): Promise<Buffer> {
  const r = (k: number) => {
    const x = Math.sin(seed * 7919 + k * 104729) * 43758.5453;
    return x - Math.floor(x);
  };
  const px = Buffer.alloc(640 * 480 * 3);
  const c0 = [r(1), r(2), r(3)].map((v) => 60 + v * 150);
  const c1 = [r(4), r(5), r(6)].map((v) => 60 + v * 150);
  for (let y = 0; y < 480; y++) {
    for (let x = 0; x < 640; x++) {
      const t = (x + y) / (640 + 480);
      for (let c = 0; c < 3; c++)
        px[(y * 640 + x) * 3 + c] = Math.round(c0[c] * (1 - t) + c1[c] * t + (r(7 + ((x * 31 + y * 17 + c) % 97)) - 0.5) * 20);
    }
  }
  const boxes = Array.from({ length: 6 }, (_, k) => {
    const w = Math.round(40 + r(20 + k) * 200);
    const h = Math.round(40 + r(30 + k) * 200);
    const g = Math.round(30 + r(40 + k) * 200);
    return {
      input: {
        create: { width: w, height: h, channels: 3 as const, background: { r: g, g: Math.round(g * 0.9), b: Math.round(g * 0.8) } },
      },
      left: Math.round(r(50 + k) * (640 - w)),
      top: Math.round(r(60 + k) * (480 - h)),
    };
  });
  return sharp(px, { raw: { width: 640, height: 480, channels: 3 } })
    .composite(boxes)
    .blur(2)
    .png()
    .toBuffer();
}

/** An ORL face pasted at a random place and scale into a 640×480 scene without faces (sceneBackground). */
async function pasteIntoScene(face: string, seed: number): Promise<Buffer> {
  const r = (k: number) => {
    const x = Math.sin(seed * 9301 + k * 49297) * 233280;
    return x - Math.floor(x);
  };
  const scale = 1 + r(1) * 1.5; // face 92–230 px wide
  const w = Math.round(92 * scale);
  const h = Math.round(112 * scale);
  const faceImg = await sharp(face).resize(w, h).toColourspace('srgb').png().toBuffer();
  const scene = await sceneBackground(seed);
  return sharp(scene)
    .composite([{ input: faceImg, left: Math.round(r(2) * (640 - w)), top: Math.round(r(3) * (480 - h)) }])
    .jpeg({ quality: 90 })
    .toBuffer();
}

async function enrollAll(url: string, people: Array<{ name: string; bytes: Uint8Array }>): Promise<void> {
  await mapConcurrent(people, 4, async (p) => {
    const id = (await gql(url, CREATE, { n: p.name }, { token: TOKEN })).data.createIdentity.id;
    const r = await gql(url, ENROLL, { id, images: [{ base64: b64(p.bytes) }] }, { token: TOKEN });
    if (r.errors) throw new Error(`${p.name}: ${JSON.stringify(r.errors)}`);
  });
}

async function identify(url: string, queries: Array<{ name: string; bytes: Uint8Array }>) {
  let correct = 0;
  let correctAndMatched = 0;
  let noFace = 0;
  await mapConcurrent(queries, 4, async (q) => {
    const r = await gql(url, SEARCH, { image: { base64: b64(q.bytes) } }, { token: TOKEN });
    if (r.errors) {
      if (r.errors[0].extensions?.code === 'NO_FACE_DETECTED') return void noFace++;
      throw new Error(JSON.stringify(r.errors));
    }
    const top = r.data.searchSimilar[0];
    if (top?.identity.name === q.name) {
      correct++;
      if (top.match) correctAndMatched++;
    }
  });
  return {
    queries: queries.length,
    top1: rate(correct, queries.length),
    top1AndMatch: rate(correctAndMatched, queries.length),
    noFaceDetected: noFace,
  };
}

async function strangers(url: string, queries: Array<{ name: string; bytes: Uint8Array }>) {
  let falseMatches = 0;
  let noFace = 0;
  const thresholds = new Set<number>();
  await mapConcurrent(queries, 4, async (q) => {
    const r = await gql(url, SEARCH, { image: { base64: b64(q.bytes) } }, { token: TOKEN });
    if (r.errors) {
      if (r.errors[0].extensions?.code === 'NO_FACE_DETECTED') return void noFace++;
      throw new Error(JSON.stringify(r.errors));
    }
    const hits = r.data.searchSimilar as Array<{ match: boolean; threshold: number }>;
    if (hits[0]) thresholds.add(+hits[0].threshold.toFixed(4));
    if (hits.some((h) => h.match)) falseMatches++;
  });
  return {
    queries: queries.length,
    falseMatch: rate(falseMatches, queries.length),
    noFaceDetected: noFace,
    servedThresholds: [...thresholds],
  };
}

export async function measureFaces(modelDir: string, lfw: string, orl: string, omniglot: string, parts: string) {
  // Run from the repository root: the split file is committed there.
  const { multi, single } = heldOut(lfw, path.resolve('splits/lfw-devtrain/heldout.txt'));
  const out: Record<string, unknown> = { modelDir, heldOutPeopleWith2Photos: multi.length, heldOutSinglePhotoPeople: single.length };
  const read = (f: string) => new Uint8Array(fs.readFileSync(f));

  if (parts.includes('A')) {
    out.verify = await withServer(modelDir, async (url) => {
      const same = multi.map((p) => [p.photos[0], p.photos[1]] as const);
      const diff = multi.map((p, i) => [p.photos[0], multi[(i + 1) % multi.length].photos[0]] as const);
      let correct = 0;
      let noFace = 0;
      let threshold = NaN;
      const pairs = [...same.map((p) => ({ p, same: true })), ...diff.map((p) => ({ p, same: false }))];
      await mapConcurrent(pairs, 4, async ({ p, same: isSame }) => {
        const r = await gql(url, VERIFY, { a: { base64: b64(read(p[0])) }, b: { base64: b64(read(p[1])) } });
        if (r.errors) {
          if (r.errors[0].extensions?.code === 'NO_FACE_DETECTED') return void noFace++;
          throw new Error(JSON.stringify(r.errors));
        }
        threshold = r.data.verify.threshold;
        if (r.data.verify.match === isSame) correct++;
      });
      // A pair with no detectable face counts as wrong: the service could not answer it.
      return {
        samePairs: same.length,
        differentPairs: diff.length,
        threshold,
        noFaceDetected: noFace,
        accuracy: rate(correct, pairs.length),
      };
    });
    progress(out);
  }

  if (parts.includes('B') || parts.includes('C')) {
    const gallery = multi.map((p) => ({ name: p.name, bytes: read(p.photos[0]) }));
    const queries = multi.map((p) => ({ name: p.name, bytes: read(p.photos[1]) }));
    out.openSet = await withServer(modelDir, async (url) => {
      await enrollAll(url, gallery);
      const r: Record<string, unknown> = { galleryPeople: gallery.length };
      if (parts.includes('B')) {
        r.identification = await identify(url, queries);
        r.strangers = await strangers(
          url,
          single.map((p) => ({ name: p.name, bytes: read(p.photos[0]) })),
        );
      }
      if (parts.includes('C')) {
        const tight = await Promise.all(multi.map(async (p) => ({ name: p.name, bytes: new Uint8Array(await tightCrop(p.photos[1])) })));
        r.tightCropIdentification = await identify(url, tight);
        if (!r.identification) r.identification = await identify(url, queries);
      }
      return r;
    });
    progress(out);
  }

  if (parts.includes('D')) {
    // ORL s31–s40 as orl-measure.ts does it, but a face model may find no face in an image: each subject is
    // enrolled with its first image (1.png, 2.png, …) that has one, and a query without a face counts as a miss.
    const range = (a: number, b: number) => Array.from({ length: b - a + 1 }, (_, i) => a + i);
    const orlImg = (s: number, i: number) => read(path.join(orl, `s${s}`, `${i}.png`));
    const enrollFirstWithFace = async (url: string, subjects: number[]) => {
      const used: Record<number, number> = {};
      for (const s of subjects) {
        const id = (await gql(url, CREATE, { n: `s${s}` }, { token: TOKEN })).data.createIdentity.id;
        for (const i of range(1, 10)) {
          const r = await gql(url, ENROLL, { id, images: [{ base64: b64(orlImg(s, i)) }] }, { token: TOKEN });
          if (!r.errors) {
            used[s] = i;
            break;
          }
          if (r.errors[0].extensions?.code !== 'NO_FACE_DETECTED') throw new Error(JSON.stringify(r.errors));
        }
      }
      return used;
    };
    out.orl = await withServer(modelDir, async (url) => {
      const enrolledWith = await enrollFirstWithFace(url, range(31, 40));
      const queries = range(31, 40).flatMap((s) =>
        range(1, 10)
          .filter((i) => i !== enrolledWith[s])
          .map((i) => ({ name: `s${s}`, bytes: orlImg(s, i), s, i })),
      );
      const tight = await identify(url, queries);
      const scenes = await Promise.all(
        queries.map(async (q) => ({
          name: q.name,
          bytes: new Uint8Array(await pasteIntoScene(path.join(orl, `s${q.s}`, `${q.i}.png`), q.s * 100 + q.i)),
        })),
      );
      fs.mkdirSync('/tmp/faces-measure', { recursive: true });
      fs.writeFileSync('/tmp/faces-measure/orl-scene-example.jpg', scenes[0].bytes);
      return { enrolledWith, identification: tight, pastedIntoScenes: await identify(url, scenes) };
    });
    out.orlStrangers = await withServer(modelDir, async (url) => {
      const enrolledWith = await enrollFirstWithFace(url, range(31, 35));
      return {
        enrolledWith,
        ...(await strangers(
          url,
          range(36, 40).flatMap((s) => range(1, 10).map((i) => ({ name: `s${s}`, bytes: orlImg(s, i) }))),
        )),
      };
    });
    progress(out);
  }

  if (parts.includes('E')) {
    out.nonFaces = await withServer(modelDir, async (url) => {
      await enrollAll(
        url,
        multi.slice(0, 50).map((p) => ({ name: p.name, bytes: read(p.photos[0]) })),
      );
      const reference = b64(read(multi[0].photos[0]));
      const inputs: Array<{ kind: string; bytes: Uint8Array }> = [];
      const chars: string[] = [];
      const walk = (d: string) => {
        for (const e of fs.readdirSync(d, { withFileTypes: true })) {
          if (e.isDirectory()) walk(path.join(d, e.name));
          else if (e.name.endsWith('.png')) chars.push(path.join(d, e.name));
        }
      };
      walk(path.join(omniglot, 'images_background_small1'));
      chars.sort();
      for (let i = 0; i < 100; i++) inputs.push({ kind: 'omniglot', bytes: read(chars[Math.floor((i * chars.length) / 100)]) });
      for (const c of [0, 128, 255])
        inputs.push({
          kind: 'blank',
          bytes: new Uint8Array(
            await sharp({ create: { width: 300, height: 300, channels: 3, background: { r: c, g: c, b: c } } })
              .png()
              .toBuffer(),
          ),
        });
      for (let s = 0; s < 10; s++) {
        const noise = Buffer.alloc(256 * 256 * 3);
        for (let i = 0; i < noise.length; i++) noise[i] = Math.floor(Math.abs(Math.sin((i + 1) * (s + 1) * 12.9898)) * 255);
        inputs.push({
          kind: 'texture',
          bytes: new Uint8Array(
            await sharp(noise, { raw: { width: 256, height: 256, channels: 3 } })
              .blur(1 + s)
              .png()
              .toBuffer(),
          ),
        });
      }
      const tally: Record<string, { n: number; noFace: number; matchFalse: number; matched: number }> = {};
      await mapConcurrent(inputs, 4, async (inp) => {
        const t = (tally[inp.kind] ??= { n: 0, noFace: 0, matchFalse: 0, matched: 0 });
        t.n++;
        const v = await gql(url, VERIFY, { a: { base64: b64(inp.bytes) }, b: { base64: reference } });
        const s = await gql(url, SEARCH, { image: { base64: b64(inp.bytes) } }, { token: TOKEN });
        const codes = [v, s].map((r) => r.errors?.[0]?.extensions?.code);
        if (codes.some((c) => c && c !== 'NO_FACE_DETECTED')) throw new Error(JSON.stringify([v.errors, s.errors]));
        const matched =
          (!v.errors && v.data.verify.match) || (!s.errors && (s.data.searchSimilar as Array<{ match: boolean }>).some((m) => m.match));
        if (matched) t.matched++;
        else if (codes.every((c) => c === 'NO_FACE_DETECTED')) t.noFace++;
        else t.matchFalse++;
      });
      return { inputs: inputs.length, byKind: tally, matched: Object.values(tally).reduce((a, t) => a + t.matched, 0) };
    });
    progress(out);
  }

  if (parts.includes('F')) {
    out.verifyLatency = await withServer(modelDir, async (url) => {
      const a = b64(read(multi[0].photos[0]));
      const b = b64(read(multi[0].photos[1]));
      for (let i = 0; i < 10; i++) await gql(url, VERIFY, { a: { base64: a }, b: { base64: b } });
      const ms: number[] = [];
      for (let i = 0; i < 100; i++) {
        const t0 = process.hrtime.bigint();
        const r = await gql(url, VERIFY, { a: { base64: a }, b: { base64: b } });
        ms.push(Number(process.hrtime.bigint() - t0) / 1e6);
        if (r.errors) throw new Error(JSON.stringify(r.errors));
      }
      ms.sort((x, y) => x - y);
      return { runs: ms.length, p50Ms: ms[49], p99Ms: ms[98] };
    });
  }
  return out;
}

if (require.main === module) {
  const shared = path.resolve(__dirname, '../../../../shared/datasets');
  const [
    modelDir,
    lfw = path.join(shared, 'lfw-devtrain'),
    orl = path.join(shared, 'orl-faces'),
    omniglot = path.join(shared, 'omniglot'),
    parts = 'ABCDEF',
  ] = process.argv.slice(2);
  measureFaces(path.resolve(modelDir), path.resolve(lfw), path.resolve(orl), path.resolve(omniglot), parts).then(
    (r) => console.log(JSON.stringify(r, null, 2)),
    (e) => {
      console.error(e);
      process.exitCode = 1;
    },
  );
}

/** mulberry32: a tiny seeded PRNG, so benchmark data sets are the same in every run. */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** n random vectors, uniform in [0,1)^dim, packed row-major. */
export function uniformVectors(n: number, dim: number, seed: number): Float32Array {
  const r = mulberry32(seed);
  const out = new Float32Array(n * dim);
  for (let i = 0; i < out.length; i++) out[i] = r();
  return out;
}

/** Standard normal samples (Box–Muller) from a uniform generator. */
export function gaussian(r: () => number): () => number {
  let spare: number | undefined;
  return () => {
    if (spare !== undefined) {
      const s = spare;
      spare = undefined;
      return s;
    }
    const u = 1 - r(); // (0,1]: log(0) never happens
    const v = r();
    const rad = Math.sqrt(-2 * Math.log(u));
    spare = rad * Math.sin(2 * Math.PI * v);
    return rad * Math.cos(2 * Math.PI * v);
  };
}

/**
 * A stand-in for an identity gallery: n / perCluster "identities", each a
 * random unit centre, with perCluster members = centre + isotropic noise of
 * total norm ≈ `spread`, re-normalised to unit length (encoders end with an
 * L2 layer). `clusterOf(i)` is i / perCluster, so queries drawn with
 * `clusteredQueries` are "new images of enrolled identities".
 */
export function clusteredVectors(n: number, dim: number, perCluster: number, spread: number, seed: number): Float32Array {
  const g = gaussian(mulberry32(seed));
  const centres = Math.ceil(n / perCluster);
  const c = new Float32Array(centres * dim);
  for (let k = 0; k < centres; k++) unit(c.subarray(k * dim, (k + 1) * dim), g);
  const out = new Float32Array(n * dim);
  for (let i = 0; i < n; i++) member(out.subarray(i * dim, (i + 1) * dim), c.subarray(Math.floor(i / perCluster) * dim), spread, g);
  return out;
}

/** Queries near random centres of the gallery made with the same seed. */
export function clusteredQueries(q: number, n: number, dim: number, perCluster: number, spread: number, seed: number): Float32Array {
  const g = gaussian(mulberry32(seed));
  const centres = Math.ceil(n / perCluster);
  const c = new Float32Array(centres * dim);
  for (let k = 0; k < centres; k++) unit(c.subarray(k * dim, (k + 1) * dim), g);
  const pick = mulberry32(seed ^ 0x5bd1e995);
  const out = new Float32Array(q * dim);
  for (let i = 0; i < q; i++) member(out.subarray(i * dim, (i + 1) * dim), c.subarray(Math.floor(pick() * centres) * dim), spread, g);
  return out;
}

function unit(v: Float32Array, g: () => number): void {
  let s = 0;
  for (let i = 0; i < v.length; i++) {
    v[i] = g();
    s += v[i] * v[i];
  }
  const inv = 1 / Math.sqrt(s);
  for (let i = 0; i < v.length; i++) v[i] *= inv;
}

function member(out: Float32Array, centre: Float32Array, spread: number, g: () => number): void {
  const sigma = spread / Math.sqrt(out.length);
  let s = 0;
  for (let i = 0; i < out.length; i++) {
    out[i] = centre[i] + sigma * g();
    s += out[i] * out[i];
  }
  const inv = 1 / Math.sqrt(s);
  for (let i = 0; i < out.length; i++) out[i] *= inv;
}

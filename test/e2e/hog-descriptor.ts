/**
 * A histogram of oriented gradients (Dalal & Triggs, "Histograms of oriented gradients for human detection", CVPR
 * 2005) of a model's preprocessed input, for session 32's exploration beside the signature encoder (no rule;
 * signature-hog-fusion.ts, docs/experiments/signatures/hog-fusion/validation.json): a descriptor nothing was trained
 * on, so it places a new writer's strokes no differently from a training writer's.
 *
 * On an image I (row-major, ink high): gx = I(x+1, y) − I(x−1, y), gy = I(x, y+1) − I(x, y−1), magnitude
 * m = √(gx² + gy²), unsigned orientation θ = atan2(gy, gx) mod π. Each pixel votes m into the two orientation bins
 * nearest θ (linear in θ, `bins` bins of width π/bins centred at (k + ½)·π/bins) of its cell (`cell`×`cell` pixels,
 * hard assignment). Blocks of 2×2 cells, stepped one cell, are each L2-normalised, clipped at 0.2 and normalised again
 * (Dalal & Triggs' L2-Hys, ε = 10⁻³ per value of the block); the blocks are concatenated and the whole vector is
 * scaled to unit length; every value is ≥ 0, so two descriptors are 0 to √2 apart in Euclidean distance.
 */

export interface HogOptions {
  /** Cell side in pixels; the image's last partial cells are dropped. */
  readonly cell: number;
  /** Unsigned orientation bins over [0, π). */
  readonly bins: number;
}

const CLIP = 0.2;
const EPSILON = 1e-3;

/** The descriptor's length for an image of `width`×`height`. */
export function hogLength(width: number, height: number, options: HogOptions): number {
  const cols = Math.floor(width / options.cell);
  const rows = Math.floor(height / options.cell);
  return Math.max(0, cols - 1) * Math.max(0, rows - 1) * 4 * options.bins;
}

/** Per-cell orientation histograms (rows × cols × bins). */
export function cellHistograms(image: Float32Array, width: number, height: number, options: HogOptions): Float64Array {
  const { cell, bins } = options;
  if (image.length !== width * height) throw new Error(`hog: ${image.length} values for ${width}×${height}`);
  const cols = Math.floor(width / cell);
  const rows = Math.floor(height / cell);
  const hist = new Float64Array(rows * cols * bins);
  const binWidth = Math.PI / bins;
  for (let y = 0; y < rows * cell; y++) {
    for (let x = 0; x < cols * cell; x++) {
      const left = x > 0 ? image[y * width + x - 1] : image[y * width + x];
      const right = x < width - 1 ? image[y * width + x + 1] : image[y * width + x];
      const up = y > 0 ? image[(y - 1) * width + x] : image[y * width + x];
      const down = y < height - 1 ? image[(y + 1) * width + x] : image[y * width + x];
      const gx = right - left;
      const gy = down - up;
      const m = Math.sqrt(gx * gx + gy * gy);
      if (m === 0) continue;
      let theta = Math.atan2(gy, gx);
      if (theta < 0) theta += Math.PI;
      if (theta >= Math.PI) theta -= Math.PI;
      // Position between bin centres: bin k's centre is (k + ½)·binWidth; wrap around at π.
      const position = theta / binWidth - 0.5;
      const lower = Math.floor(position);
      const share = position - lower;
      const base = (Math.floor(y / cell) * cols + Math.floor(x / cell)) * bins;
      hist[base + ((lower + bins) % bins)] += m * (1 - share);
      hist[base + ((lower + 1) % bins)] += m * share;
    }
  }
  return hist;
}

/** The unit-length HOG descriptor of `image` (see the file's header). */
export function hogDescriptor(image: Float32Array, width: number, height: number, options: HogOptions): Float32Array {
  const { cell, bins } = options;
  const cols = Math.floor(width / cell);
  const rows = Math.floor(height / cell);
  const hist = cellHistograms(image, width, height, options);
  const out = new Float32Array(hogLength(width, height, options));
  const block = new Float64Array(4 * bins);
  let k = 0;
  for (let by = 0; by + 1 < rows; by++) {
    for (let bx = 0; bx + 1 < cols; bx++) {
      let n = 0;
      for (const [dy, dx] of [
        [0, 0],
        [0, 1],
        [1, 0],
        [1, 1],
      ])
        for (let b = 0; b < bins; b++) block[n++] = hist[((by + dy) * cols + bx + dx) * bins + b];
      l2HysInPlace(block);
      for (let i = 0; i < block.length; i++) out[k++] = block[i];
    }
  }
  return unitLength(out);
}

/** Dalal & Triggs' L2-Hys: L2-normalise, clip at 0.2, L2-normalise again (ε² = block length · 10⁻⁶). */
export function l2HysInPlace(block: Float64Array): void {
  const eps2 = block.length * EPSILON * EPSILON;
  let s = 0;
  for (const v of block) s += v * v;
  let scale = 1 / Math.sqrt(s + eps2);
  for (let i = 0; i < block.length; i++) block[i] = Math.min(CLIP, block[i] * scale);
  s = 0;
  for (const v of block) s += v * v;
  scale = 1 / Math.sqrt(s + eps2);
  for (let i = 0; i < block.length; i++) block[i] *= scale;
}

/** `v` scaled to unit Euclidean length in place (a zero vector stays zero). */
export function unitLength(v: Float32Array): Float32Array {
  let s = 0;
  for (const x of v) s += x * x;
  if (s > 0) {
    const inv = 1 / Math.sqrt(s);
    for (let i = 0; i < v.length; i++) v[i] *= inv;
  }
  return v;
}

/**
 * The fused vector [√(1 − λ)·e/‖e‖, √λ·h] of a unit HOG descriptor h and an embedding e: its squared Euclidean
 * distance to another fused vector is (1 − λ)·d_e² + λ·d_h² with d_e between the unit embeddings, so one λ weighs the
 * two distances and the fused vector still goes into an index and a centroid like any embedding.
 */
export function fuse(embedding: Float32Array, hog: Float32Array, lambda: number): Float32Array {
  if (!(lambda >= 0 && lambda <= 1)) throw new Error(`fuse: λ must be in [0, 1], got ${lambda}`);
  let s = 0;
  for (const x of embedding) s += x * x;
  const a = s > 0 ? Math.sqrt(1 - lambda) / Math.sqrt(s) : 0;
  const b = Math.sqrt(lambda);
  const out = new Float32Array(embedding.length + hog.length);
  for (let i = 0; i < embedding.length; i++) out[i] = embedding[i] * a;
  for (let i = 0; i < hog.length; i++) out[embedding.length + i] = hog[i] * b;
  return out;
}

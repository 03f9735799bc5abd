import type { Point } from './face.types';

/**
 * Least-squares 2-D similarity transform (rotation, uniform scale,
 * translation) mapping points p onto q — Umeyama (1991), "Least-squares
 * estimation of transformation parameters between two point patterns", in its
 * closed 2-D form. With centred points p' = p − p̄, q' = q − q̄:
 *
 *   a = Σ (p'x q'x + p'y q'y) / Σ |p'|²,   b = Σ (p'x q'y − p'y q'x) / Σ |p'|²
 *   M = [[a, −b], [b, a]],                 t = q̄ − M p̄
 *
 * so that q ≈ M p + t (scale √(a²+b²), angle atan2(b, a)).
 */
export interface Similarity {
  a: number;
  b: number;
  tx: number;
  ty: number;
}

export function estimateSimilarity(from: readonly Point[], to: readonly Point[]): Similarity {
  if (from.length !== to.length || from.length < 2) throw new Error(`need ≥ 2 matching points, got ${from.length} and ${to.length}`);
  const n = from.length;
  const mean = (ps: readonly Point[]) => ({ x: ps.reduce((s, p) => s + p.x, 0) / n, y: ps.reduce((s, p) => s + p.y, 0) / n });
  const pm = mean(from);
  const qm = mean(to);
  let num1 = 0;
  let num2 = 0;
  let den = 0;
  for (let i = 0; i < n; i++) {
    const px = from[i].x - pm.x;
    const py = from[i].y - pm.y;
    const qx = to[i].x - qm.x;
    const qy = to[i].y - qm.y;
    num1 += px * qx + py * qy;
    num2 += px * qy - py * qx;
    den += px * px + py * py;
  }
  if (den < 1e-12) throw new Error('the source points coincide');
  const a = num1 / den;
  const b = num2 / den;
  return { a, b, tx: qm.x - (a * pm.x - b * pm.y), ty: qm.y - (b * pm.x + a * pm.y) };
}

export function applySimilarity(t: Similarity, p: Point): Point {
  return { x: t.a * p.x - t.b * p.y + t.tx, y: t.b * p.x + t.a * p.y + t.ty };
}

/** The inverse transform (q → p). */
export function invertSimilarity(t: Similarity): Similarity {
  const s2 = t.a * t.a + t.b * t.b;
  if (s2 < 1e-24) throw new Error('degenerate similarity (zero scale)');
  const a = t.a / s2;
  const b = -t.b / s2;
  return { a, b, tx: -(a * t.tx - b * t.ty), ty: -(b * t.tx + a * t.ty) };
}

/**
 * Argument checks shared by the VectorIndex adapters. They throw RangeError:
 * a wrong dimension, a NaN or a fractional label is a bug in the caller (the
 * service embeds with the model the index was built for), never something a
 * client can trigger, so it is masked as an internal error at the API boundary.
 */

/** hnswlib keeps labels as size_t but hnswlib-node converts them with Uint32Value. */
export const MAX_LABEL = 0xffff_ffff;

export function checkLabel(label: number): void {
  if (!Number.isInteger(label) || label < 0 || label > MAX_LABEL) {
    throw new RangeError(`index labels are integers in [0, ${MAX_LABEL}], got ${label}`);
  }
}

export function checkVector(vector: Float32Array, dimension: number): void {
  if (vector.length !== dimension) {
    throw new RangeError(`vector has dimension ${vector.length}, the index expects ${dimension}`);
  }
  // A NaN would poison every distance computed against it, and inside the HNSW
  // graph it would silently break the neighbour lists of whatever it touches.
  for (let i = 0; i < vector.length; i++) {
    if (!Number.isFinite(vector[i])) {
      throw new RangeError(`vector component ${i} is not finite (${vector[i]})`);
    }
  }
}

export function checkK(k: number): void {
  if (!Number.isInteger(k) || k < 0) {
    throw new RangeError(`k must be a non-negative integer, got ${k}`);
  }
}

/**
 * Embedding vectors are stored as raw float32 little-endian bytes: 4·d bytes, exact
 * round trip, portable between SQLite BLOB and PostgreSQL BYTEA, and readable by any
 * language without a schema. (A JSON array would be 3-4× larger and lossy unless printed
 * with 9 significant digits.)
 */
import * as os from 'os';

const LITTLE_ENDIAN_HOST = os.endianness() === 'LE';

export function encodeVector(vector: Float32Array): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(vector.length * 4);
  if (LITTLE_ENDIAN_HOST) {
    out.set(new Uint8Array(vector.buffer, vector.byteOffset, vector.byteLength));
  } else {
    const view = new DataView(out.buffer);
    for (let i = 0; i < vector.length; i++) view.setFloat32(i * 4, vector[i], true);
  }
  return out;
}

export function decodeVector(bytes: Uint8Array, dimension: number): Float32Array {
  if (bytes.byteLength !== dimension * 4) {
    throw new Error(`stored vector has ${bytes.byteLength} bytes, expected ${dimension * 4} (dimension ${dimension})`);
  }
  // Copy: the driver's buffer may be unaligned or pooled, and callers may keep the vector.
  const out = new Float32Array(dimension);
  if (LITTLE_ENDIAN_HOST) {
    new Uint8Array(out.buffer).set(bytes);
  } else {
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    for (let i = 0; i < dimension; i++) out[i] = view.getFloat32(i * 4, true);
  }
  return out;
}

/**
 * A Float32Array from any realm: vectors made in a worker thread (or a jest VM context) fail
 * `instanceof Float32Array` in another realm although they are real Float32Arrays.
 */
export function isFloat32Array(v: unknown): v is Float32Array {
  return ArrayBuffer.isView(v) && Object.prototype.toString.call(v) === '[object Float32Array]';
}

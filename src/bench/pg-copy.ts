import type { Client as PgClient } from 'pg';

/**
 * Bulk load of (label, vector) rows into a pgvector table with
 * `COPY … FROM STDIN (FORMAT binary)`: one statement per batch, no SQL text and
 * no float formatting or parsing (the vector's binary form is what pgvector's
 * vector_recv reads: int16 dim, int16 0, dim × float4, all big-endian). The
 * bench uses it to fill a 1M-row table in seconds instead of the minutes that
 * multi-row INSERTs of text literals take. It speaks the COPY sub-protocol
 * through pg's Submittable interface (a Query whose copy-in handler sends the
 * data): the project has no COPY stream dependency and needs none for this.
 */
const SIGNATURE = Buffer.from('PGCOPY\n\xff\r\n\0', 'latin1');

/** One COPY statement's binary payload for rows [from, to) of `data` (labels = row numbers). */
export function binaryCopyPayload(data: Float32Array, dim: number, from: number, to: number): Buffer {
  const tuple = 2 + (4 + 8) + (4 + 4 + 4 * dim);
  const buf = Buffer.allocUnsafe(SIGNATURE.length + 8 + (to - from) * tuple + 2);
  let o = SIGNATURE.copy(buf, 0);
  o = buf.writeInt32BE(0, o); // flags
  o = buf.writeInt32BE(0, o); // header extension length
  for (let i = from; i < to; i++) {
    o = buf.writeInt16BE(2, o); // fields
    o = buf.writeInt32BE(8, o);
    o = buf.writeBigInt64BE(BigInt(i), o);
    o = buf.writeInt32BE(4 + 4 * dim, o);
    o = buf.writeInt16BE(dim, o);
    o = buf.writeInt16BE(0, o);
    for (let d = 0, r = i * dim; d < dim; d++) o = buf.writeFloatBE(data[r + d], o);
  }
  buf.writeInt16BE(-1, o); // trailer
  return buf;
}

/** Runs `COPY <table> (label, embedding) FROM STDIN (FORMAT binary)` with `payload` as the data. */
export async function copyIn(client: PgClient, table: string, payload: Buffer): Promise<void> {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { Query } = require('pg') as { Query: new (text: string) => CopyQuery };
  const query = new Query(`COPY ${table} (label, embedding) FROM STDIN (FORMAT binary)`);
  query.handleCopyInResponse = (connection) => {
    connection.sendCopyFromChunk(payload);
    connection.endCopyFrom();
  };
  await new Promise<void>((resolve, reject) => {
    query.callback = (err) => (err ? reject(err) : resolve());
    (client as unknown as { query(q: CopyQuery): void }).query(query);
  });
}

/** The parts of pg's (untyped) Query and Connection the copy-in uses. */
interface CopyQuery {
  callback?: (err: Error | null) => void;
  handleCopyInResponse(connection: { sendCopyFromChunk(chunk: Buffer): void; endCopyFrom(): void }): void;
}

/**
 * The bench's binary COPY loader (src/bench/pg-copy.ts) against a real PostgreSQL with
 * pgvector (TEST_DATABASE_URL_PG): every row arrives, and every float32 comes back bit for bit.
 */
import { Client } from 'pg';
import { binaryCopyPayload, copyIn } from '../../src/bench/pg-copy';
import { describePg, PG_URL } from '../db/db-targets';

describePg('binary COPY of (label, vector) rows into a pgvector table', () => {
  const table = `copy_test_${process.pid}`;
  let client: Client;
  beforeAll(async () => {
    client = new Client({ connectionString: PG_URL });
    await client.connect();
    const [{ schema }] = (
      await client.query<{ schema: string }>(
        "SELECT n.nspname AS schema FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace WHERE e.extname = 'vector'",
      )
    ).rows;
    await client.query(`CREATE TABLE ${table} (label bigint PRIMARY KEY, embedding "${schema}".vector(3) NOT NULL)`);
  });
  afterAll(async () => {
    await client?.query(`DROP TABLE IF EXISTS ${table}`);
    await client?.end();
  });

  test('rows [from, to) arrive with their labels and exact float32 values; a second batch appends', async () => {
    // Values that need every float32 bit (0.1, 1/3 are not exact decimals), -0, tiny and huge magnitudes.
    const data = Float32Array.from([0.1, -2.5, 1 / 3, 1e-30, 0, -0, 3.4e38, 7, -1e-7, 42, 0.5, 0.25]);
    await copyIn(client, table, binaryCopyPayload(data, 3, 0, 2));
    await copyIn(client, table, binaryCopyPayload(data, 3, 2, 4));
    const rows = (await client.query<{ label: string; v: string }>(`SELECT label, embedding::text AS v FROM ${table} ORDER BY label`)).rows;
    expect(rows.map((r) => Number(r.label))).toEqual([0, 1, 2, 3]);
    for (const r of rows) {
      const back = Float32Array.from(JSON.parse(r.v) as number[]);
      const i = Number(r.label);
      expect(Array.from(back)).toEqual(Array.from(data.subarray(i * 3, i * 3 + 3)));
    }
  });

  test('a row the table refuses (duplicate label) fails the whole COPY with the server error, and the connection stays usable', async () => {
    const data = Float32Array.from([1, 2, 3]);
    await expect(copyIn(client, table, binaryCopyPayload(data, 3, 0, 1))).rejects.toThrow(/duplicate key/);
    const { rows } = await client.query<{ n: string }>(`SELECT count(*) AS n FROM ${table}`);
    expect(Number(rows[0].n)).toBe(4);
  });
});
